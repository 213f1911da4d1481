#include <algorithm>

#include "http/server.hpp"
#include "util/text.hpp"

namespace vpnhub::http {
namespace {

using util::EqualsIgnoreCase;

}  // namespace

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return {};
}

Response TextResponse(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  AddEntry(std::move(method), std::move(pattern), std::move(handler), nullptr);
}

void Router::AddAsync(std::string method, std::string pattern, AsyncHandler handler) {
  AddEntry(std::move(method), std::move(pattern), nullptr, std::move(handler));
}

void Router::AddEntry(std::string method, std::string pattern, Handler handler,
                      AsyncHandler async) {
  auto it = std::find_if(routes_.begin(), routes_.end(),
                         [&](const Route& r) { return r.pattern == pattern; });
  if (it == routes_.end()) {
    Route route;
    route.prefix = !pattern.empty() && pattern.back() == '*';
    route.pattern = std::move(pattern);
    routes_.push_back(std::move(route));
    int id = static_cast<int>(routes_.size()) - 1;
    if (routes_.back().prefix) {
      prefix_.push_back(id);
      std::stable_sort(prefix_.begin(), prefix_.end(), [this](int a, int b) {
        return routes_[a].pattern.size() > routes_[b].pattern.size();
      });
    } else {
      exact_.push_back(id);
      std::sort(exact_.begin(), exact_.end(),
                [this](int a, int b) { return routes_[a].pattern < routes_[b].pattern; });
    }
    it = routes_.end() - 1;
  }
  for (auto& e : it->entries) {
    if (e.method == method) {
      e.handler = std::move(handler);
      e.async_handler = std::move(async);
      return;
    }
  }
  it->entries.push_back({std::move(method), std::move(handler), std::move(async)});
}

Router::Match Router::MatchRoute(int route_id, std::string_view method) const {
  const Route& route = routes_[route_id];
  Match m;
  m.route_id = route_id;
  const Entry* get = nullptr;
  for (const auto& e : route.entries) {
    if (e.method == method) {
      m.kind = Match::Kind::kFound;
      if (e.handler)
        m.handler = &e.handler;
      else
        m.async_handler = &e.async_handler;
      return m;
    }
    if (e.method == "GET") get = &e;
  }
  if (method == "HEAD" && get) {
    m.kind = Match::Kind::kFound;
    if (get->handler)
      m.handler = &get->handler;
    else
      m.async_handler = &get->async_handler;
    return m;
  }
  m.kind = Match::Kind::kMethodNotAllowed;
  bool has_head = false;
  for (const auto& e : route.entries) {
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += e.method;
    has_head = has_head || e.method == "HEAD";
  }
  if (get && !has_head) m.allow += ", HEAD";
  return m;
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  auto it = std::lower_bound(
      exact_.begin(), exact_.end(), path,
      [this](int id, std::string_view p) { return std::string_view(routes_[id].pattern) < p; });
  if (it != exact_.end() && routes_[*it].pattern == path) return MatchRoute(*it, method);
  for (int id : prefix_) {
    std::string_view prefix(routes_[id].pattern);
    prefix.remove_suffix(1);
    if (path.substr(0, prefix.size()) == prefix) return MatchRoute(id, method);
  }
  return {};
}

std::vector<std::string> Router::patterns() const {
  std::vector<std::string> out;
  out.reserve(routes_.size());
  for (const auto& r : routes_) out.push_back(r.pattern);
  return out;
}

}  // namespace vpnhub::http
