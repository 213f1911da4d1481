// The metrics registry: what /metrics shows (the Prometheus text format) and that series are
// found again by name and labels, from any thread.
#include "metrics/registry.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace vpnhub::metrics {
namespace {

TEST(RegistryTest, CountersAndGaugesRenderWithHelpAndType) {
  Registry r;
  r.GetCounter("requests_total", "Requests served").Inc();
  r.GetCounter("requests_total", "Requests served").Inc(2);
  r.GetGauge("queue_depth", "Tasks waiting").Set(7);
  r.GetGauge("queue_depth", "Tasks waiting").Add(-2.5);
  EXPECT_EQ(r.Render(),
            "# HELP queue_depth Tasks waiting\n"
            "# TYPE queue_depth gauge\n"
            "queue_depth 4.5\n"
            "# HELP requests_total Requests served\n"
            "# TYPE requests_total counter\n"
            "requests_total 3\n");
}

TEST(RegistryTest, TheSameNameAndLabelsAreTheSameSeries) {
  Registry r;
  Counter& a = r.GetCounter("c", "h", {{"kind", "x"}});
  Counter& b = r.GetCounter("c", "other help is ignored", {{"kind", "x"}});
  Counter& other = r.GetCounter("c", "h", {{"kind", "y"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
  a.Inc();
  EXPECT_EQ(b.Value(), 1);
  EXPECT_EQ(other.Value(), 0);
  EXPECT_EQ(r.Render(), "# HELP c h\n# TYPE c counter\nc{kind=\"x\"} 1\nc{kind=\"y\"} 0\n");
}

TEST(RegistryTest, CountersOnlyGoUp) {
  Counter c;
  c.Inc(5);
  c.Inc(-3);
  EXPECT_EQ(c.Value(), 5);
}

TEST(RegistryTest, OneNameCannotHaveTwoTypes) {
  Registry r;
  r.GetCounter("x", "h");
  EXPECT_THROW(r.GetGauge("x", "h"), std::logic_error);
  EXPECT_THROW(r.GetHistogram("x", "h", {1}), std::logic_error);
}

TEST(RegistryTest, LabelValuesAndHelpAreEscaped) {
  Registry r;
  r.GetGauge("g", "a \\ b\nc", {{"path", "C:\\x \"y\"\nz"}, {"b", "2"}}).Set(1);
  EXPECT_EQ(r.Render(),
            "# HELP g a \\\\ b\\nc\n"
            "# TYPE g gauge\n"
            "g{path=\"C:\\\\x \\\"y\\\"\\nz\",b=\"2\"} 1\n");
  EXPECT_EQ(RenderLabels({}), "");
}

TEST(RegistryTest, HistogramsRenderCumulativeBucketsSumAndCount) {
  Registry r;
  Histogram& h = r.GetHistogram("latency_seconds", "Call latency", {0.1, 1}, {{"op", "create"}});
  h.Observe(0.05);
  h.Observe(0.1);  // on a bound: counted in it (le)
  h.Observe(0.5);
  h.Observe(3);
  EXPECT_EQ(r.Render(),
            "# HELP latency_seconds Call latency\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{op=\"create\",le=\"0.1\"} 2\n"
            "latency_seconds_bucket{op=\"create\",le=\"1\"} 3\n"
            "latency_seconds_bucket{op=\"create\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{op=\"create\"} 3.65\n"
            "latency_seconds_count{op=\"create\"} 4\n");
  Registry bare;
  bare.GetHistogram("d", "h", {1}).Observe(2);
  EXPECT_NE(bare.Render().find("d_bucket{le=\"+Inf\"} 1\n"), std::string::npos) << bare.Render();
}

TEST(RegistryTest, SpecialValuesUseTheFormatsSpelling) {
  Registry r;
  r.GetGauge("a", "h").Set(std::numeric_limits<double>::infinity());
  r.GetGauge("b", "h").Set(-std::numeric_limits<double>::infinity());
  r.GetGauge("c", "h").Set(std::numeric_limits<double>::quiet_NaN());
  r.GetGauge("d", "h").Set(123456789012.0);
  const std::string out = r.Render();
  EXPECT_NE(out.find("\na +Inf\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nb -Inf\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nc NaN\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nd 123456789012\n"), std::string::npos) << out;
}

TEST(RegistryTest, UpdatesFromManyThreadsAllCount) {
  Registry r;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&r, t] {
      for (int i = 0; i < 10000; ++i) {
        r.GetCounter("c", "h", {{"t", std::to_string(t % 2)}}).Inc();
        r.GetGauge("g", "h").Add(1);
        r.GetHistogram("h", "h", {0.5}).Observe(1);
        if (i % 1000 == 0) (void)r.Render();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(r.GetCounter("c", "h", {{"t", "0"}}).Value(), 20000);
  EXPECT_EQ(r.GetCounter("c", "h", {{"t", "1"}}).Value(), 20000);
  EXPECT_EQ(r.GetGauge("g", "h").Value(), 40000);
  EXPECT_EQ(r.GetHistogram("h", "h", {0.5}).Snap().count, 40000u);
}

// One escaper serves label values and HELP text (they differ only in quotes).
TEST(RenderLabelsTest, EscapesBackslashQuoteAndLineFeedInValues) {
  EXPECT_EQ(RenderLabels({}), "");
  EXPECT_EQ(RenderLabels({{"a", "x"}, {"b", "say \"hi\"\\\nbye"}}),
            "{a=\"x\",b=\"say \\\"hi\\\"\\\\\\nbye\"}");
}

TEST(RegistryRenderTest, HelpEscapesBackslashAndLineFeedButKeepsQuotes) {
  Registry registry;
  registry.GetCounter("c_total", "a \"quoted\" path C:\\x\nsecond line").Inc(2);
  EXPECT_EQ(registry.Render(),
            "# HELP c_total a \"quoted\" path C:\\\\x\\nsecond line\n"
            "# TYPE c_total counter\n"
            "c_total 2\n");
}

TEST(RegistryRenderTest, LabelledSeriesAndHistogramBuckets) {
  Registry registry;
  registry.GetGauge("g", "gauge", {{"kind", "a\"b"}}).Set(1.5);
  auto& h = registry.GetHistogram("h_seconds", "latency", {0.1, 1}, {{"route", "/x"}});
  h.Observe(0.05);
  h.Observe(3);
  EXPECT_EQ(registry.Render(),
            "# HELP g gauge\n"
            "# TYPE g gauge\n"
            "g{kind=\"a\\\"b\"} 1.5\n"
            "# HELP h_seconds latency\n"
            "# TYPE h_seconds histogram\n"
            "h_seconds_bucket{route=\"/x\",le=\"0.1\"} 1\n"
            "h_seconds_bucket{route=\"/x\",le=\"1\"} 1\n"
            "h_seconds_bucket{route=\"/x\",le=\"+Inf\"} 2\n"
            "h_seconds_sum{route=\"/x\"} 3.05\n"
            "h_seconds_count{route=\"/x\"} 2\n");
}

}  // namespace
}  // namespace vpnhub::metrics
