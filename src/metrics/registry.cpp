#include "metrics/registry.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace vpnhub::metrics {
namespace {

void AtomicAdd(std::atomic<double>& a, double v) {
  double old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
  }
}

std::string FormatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.9g", v);
  }
  return buf;
}

// The exposition format escapes backslashes and line feeds in HELP texts and label values, and
// double quotes in label values only.
enum class Escaping { kHelp, kLabelValue };

std::string Escape(const std::string& s, Escaping escaping) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && escaping == Escaping::kLabelValue)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

// Inserts `extra` into a rendered label set: `{a="x"}` + le="1" -> `{a="x",le="1"}`.
std::string WithLabel(const std::string& rendered, const std::string& extra) {
  if (rendered.empty()) return "{" + extra + "}";
  return rendered.substr(0, rendered.size() - 1) + "," + extra + "}";
}

}  // namespace

void Counter::Inc(double v) {
  if (v < 0) return;  // counters only go up
  AtomicAdd(value_, v);
}

void Gauge::Add(double v) { AtomicAdd(value_, v); }

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  std::lock_guard lock(mu_);
  ++counts_[i];
  sum_ += v;
  ++count_;
}

Histogram::Snapshot Histogram::Snap() const {
  Snapshot s;
  s.bounds = bounds_;
  std::lock_guard lock(mu_);
  std::uint64_t running = 0;
  for (auto c : counts_) {
    running += c;
    s.cumulative.push_back(running);
  }
  s.sum = sum_;
  s.count = count_;
  return s;
}

std::vector<double> LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

std::string RenderLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ",";
    out += labels[i].first + "=\"" + Escape(labels[i].second, Escaping::kLabelValue) + "\"";
  }
  return out + "}";
}

Registry::Family& Registry::FamilyFor(const std::string& name, Type type, const std::string& help) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.type = type;
    it->second.help = help;
  } else if (it->second.type != type) {
    throw std::logic_error("metric " + name + " registered with two types");
  }
  return it->second;
}

Counter& Registry::GetCounter(const std::string& name, const std::string& help,
                              const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = FamilyFor(name, Type::kCounter, help).counters[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::GetGauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = FamilyFor(name, Type::kGauge, help).gauges[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::GetHistogram(const std::string& name, const std::string& help,
                                  const std::vector<double>& buckets, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = FamilyFor(name, Type::kHistogram, help).histograms[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Histogram>(buckets);
  return *slot;
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, fam] : families_) {
    const char* type = fam.type == Type::kCounter ? "counter"
                       : fam.type == Type::kGauge ? "gauge"
                                                  : "histogram";
    out += "# HELP " + name + " " + Escape(fam.help, Escaping::kHelp) + "\n";
    out += "# TYPE " + name + " " + type + "\n";
    for (const auto& [labels, c] : fam.counters) {
      out += name + labels + " " + FormatValue(c->Value()) + "\n";
    }
    for (const auto& [labels, g] : fam.gauges) {
      out += name + labels + " " + FormatValue(g->Value()) + "\n";
    }
    for (const auto& [labels, h] : fam.histograms) {
      auto s = h->Snap();
      for (std::size_t i = 0; i < s.bounds.size(); ++i) {
        out += name + "_bucket" + WithLabel(labels, "le=\"" + FormatValue(s.bounds[i]) + "\"") +
               " " + std::to_string(s.cumulative[i]) + "\n";
      }
      out += name + "_bucket" + WithLabel(labels, "le=\"+Inf\"") + " " +
             std::to_string(s.cumulative.back()) + "\n";
      out += name + "_sum" + labels + " " + FormatValue(s.sum) + "\n";
      out += name + "_count" + labels + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace vpnhub::metrics
