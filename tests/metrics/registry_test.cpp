#include "metrics/registry.hpp"

#include <gtest/gtest.h>

namespace vpnhub::metrics {
namespace {

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
