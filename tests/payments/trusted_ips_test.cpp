// YOOKASSA_TRUSTED_IPS: YooKassa's published ranges (payments.md §1.4) and the parser's refusals.
#include "payments/yookassa/trusted_ips.hpp"

#include <gtest/gtest.h>

namespace vpnhub::payments::yookassa {
namespace {

constexpr char kPublished[] =
    "185.71.76.0/27,185.71.77.0/27,77.75.153.0/25,77.75.154.128/25,77.75.156.11,77.75.156.35,"
    "2a02:5180::/32";

TEST(TrustedIps, ThePublishedRangesLetYooKassaIn) {
  const auto ips = TrustedIps::Parse(kPublished);
  ASSERT_TRUE(ips.ok()) << ips.status().ToString();
  for (const char* in : {"185.71.76.0", "185.71.76.31", "185.71.77.5", "77.75.153.127",
                         "77.75.154.200", "77.75.156.11", "77.75.156.35", "::ffff:185.71.76.7",
                         "2a02:5180:0:1509::1", "2A02:5180:ffff::"}) {
    EXPECT_TRUE(ips->Contains(in)) << in;
  }
}

TEST(TrustedIps, EverythingElseStaysOut) {
  const auto ips = TrustedIps::Parse(kPublished);
  ASSERT_TRUE(ips.ok());
  for (const char* out :
       {"185.71.76.32", "77.75.153.128", "77.75.154.127", "77.75.156.12", "127.0.0.1", "10.0.0.1",
        "::1", "2a02:5181::1", "::ffff:127.0.0.1", "", "garbage", "185.71.76.1 ", "185.71.76",
        "185.71.76.1.1", "185.71.076.1000"}) {
    EXPECT_FALSE(ips->Contains(out)) << out;
  }
}

TEST(TrustedIps, AnEmptyListTrustsEveryone) {
  const auto ips = TrustedIps::Parse("");
  ASSERT_TRUE(ips.ok());
  EXPECT_TRUE(ips->empty());
  EXPECT_TRUE(ips->Contains("203.0.113.9"));
  EXPECT_TRUE(TrustedIps::Parse(" , ")->empty());
}

TEST(TrustedIps, ALoopbackEntryLetsTheTestsIn) {
  const auto ips = TrustedIps::Parse("127.0.0.1/32, ::1");
  ASSERT_TRUE(ips.ok());
  EXPECT_TRUE(ips->Contains("127.0.0.1"));
  EXPECT_TRUE(ips->Contains("::ffff:127.0.0.1"));
  EXPECT_TRUE(ips->Contains("::1"));
  EXPECT_FALSE(ips->Contains("127.0.0.2"));
}

TEST(TrustedIps, ABadEntryIsNamed) {
  for (const char* bad : {"185.71.76.0/33", "185.71.76.0/", "256.1.1.1", "1.2.3.4/-1", "::/129",
                          "1:2:3:4:5:6:7:8:9", "1::2::3", "example.com", "10.0.0.0/8/8"}) {
    const auto ips = TrustedIps::Parse(bad);
    ASSERT_FALSE(ips.ok()) << bad;
    EXPECT_NE(ips.status().message().find("not an IP address"), std::string::npos);
  }
  EXPECT_TRUE(TrustedIps::Parse("::/0").ok());
  EXPECT_TRUE(TrustedIps::Parse("0.0.0.0/0").ok());
}

TEST(TrustedIps, ParsesTheAddressForms) {
  EXPECT_TRUE(ParseIp("::").has_value());
  EXPECT_TRUE(ParseIp("1::").has_value());
  EXPECT_TRUE(ParseIp("1:2:3:4:5:6:7:8").has_value());
  EXPECT_TRUE(ParseIp("::ffff:1.2.3.4").has_value());
  EXPECT_FALSE(ParseIp("1:2:3:4:5:6:7").has_value());
  EXPECT_FALSE(ParseIp(":::").has_value());
  EXPECT_FALSE(ParseIp("fe80::1%eth0").has_value());
  EXPECT_FALSE(ParseIp("12345::").has_value());
}

}  // namespace
}  // namespace vpnhub::payments::yookassa
