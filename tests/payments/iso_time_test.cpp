// The ISO 8601 instants the providers write and read.
#include "payments/common/iso_time.hpp"

#include <gtest/gtest.h>

namespace vpnhub::payments {
namespace {

TEST(IsoTime, ReadsWhatProvidersWrite) {
  const Time t = FromUnixMs(1767225600000);  // 2026-01-01T00:00:00Z
  EXPECT_EQ(ParseIsoUtc("2026-01-01T00:00:00Z"), t);
  EXPECT_EQ(ParseIsoUtc("2026-01-01T00:00:00.000Z"), t);
  EXPECT_EQ(ParseIsoUtc("2026-01-01T00:00:00.25Z"), t + Duration(250));
  EXPECT_EQ(ParseIsoUtc("2026-01-01T00:00:00.123456789+00:00"), t + Duration(123));
  EXPECT_EQ(IsoUtc(t + Duration(999)), "2026-01-01T00:00:00Z");
  EXPECT_EQ(ParseIsoUtc(IsoUtc(t)), t);
}

TEST(IsoTime, RefusesWhatIsNotAnUtcInstant) {
  for (const char* s : {"", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01T00:00:00+03:00",
                        "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z",
                        "2026-01-01 00:00:00Z", "2026-01-01T00:00:00.Z", "+026-01-01T00:00:00Z",
                        "2026-01-01T00:00:00Z ", "2026-01-01T00:00:00.1234567890Z"}) {
    EXPECT_FALSE(ParseIsoUtc(s).has_value()) << s;
  }
}

}  // namespace
}  // namespace vpnhub::payments
