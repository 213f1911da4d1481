#include "core/host_rules.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vpnhub {
namespace {

using ::testing::HasSubstr;

Status Host(const std::string& text) { return CheckHost("public host", text); }

TEST(CheckHost, AcceptsHostNamesAndAddressLiterals) {
  for (const std::string& ok : std::vector<std::string>{
           "vpn.example.com", "VPN-1.Example.COM", "localhost", "h", "xn--80ak6aa92e.com", "a1.b2",
           "203.0.113.7", "0.0.0.0", "255.255.255.255", "2001:db8::1", "::1", "::", "[2001:db8::1]",
           "fe80::1:2:3:4", "::ffff:192.0.2.1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:192.0.2.1",
           std::string(63, 'a') + ".com"}) {
    EXPECT_TRUE(Host(ok).ok()) << ok << ": " << Host(ok).ToString();
  }
}

TEST(CheckHost, RefusesWhatWouldBreakALink) {
  for (const std::string& bad : std::vector<std::string>{"evil.com#frag@x",
                                                         "user@host",
                                                         "host/path",
                                                         "host:20000",
                                                         "host?x=1",
                                                         "a b.com",
                                                         "-lead.com",
                                                         "trail-.com",
                                                         "a..b",
                                                         ".a.com",
                                                         "a.com.",
                                                         "under_score.com",
                                                         std::string(64, 'a') + ".com",
                                                         "[::1",
                                                         "::1]",
                                                         "1::2::3",
                                                         "12345::",
                                                         "1:2:3:4:5:6:7:8:9",
                                                         "fe80::1%eth0",
                                                         ":::",
                                                         "1:2:3:4:5:6:7:192.0.2.1",
                                                         "::192.0.2.256",
                                                         "Нидерланды.рф"}) {
    Status st = Host(bad);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(st.message(), HasSubstr("public host")) << bad;
  }
  Status st = Host("evil.com#frag@x");
  EXPECT_THAT(st.message(), HasSubstr("\"evil.com#frag@x\" is not a host name"));
}

TEST(CheckHost, NumbersThatAreNoIpv4AddressAreCalledSo) {
  for (const std::string bad : {"256.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4.5", "123"}) {
    Status st = Host(bad);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(st.message(), HasSubstr("is not a valid IPv4 address")) << bad;
  }
}

TEST(CheckHost, ControlCharactersAndBlanksAreNamedFirst) {
  EXPECT_THAT(Host("vpn\x1b.com").message(), HasSubstr("public host must not contain control"));
  EXPECT_THAT(Host(" vpn.com").message(), HasSubstr("public host must not begin or end"));
  EXPECT_THAT(Host("").message(), HasSubstr("public host must not be empty"));
  EXPECT_THAT(Host("vpn\xff.com").message(), HasSubstr("public host is not valid UTF-8"));
}

TEST(ParseIp, ReadsTheAddressBytes) {
  auto v4 = ParseIpv4("192.0.2.1");
  ASSERT_TRUE(v4);
  EXPECT_EQ((*v4)[0], 192);
  EXPECT_EQ((*v4)[3], 1);
  auto v6 = ParseIpv6("2001:db8::ff00:42");
  ASSERT_TRUE(v6);
  EXPECT_EQ((*v6)[0], 0x20);
  EXPECT_EQ((*v6)[1], 0x01);
  EXPECT_EQ((*v6)[13], 0x00);
  EXPECT_EQ((*v6)[14], 0x00);
  EXPECT_EQ((*v6)[15], 0x42);
  auto mapped = ParseIpv6("::ffff:10.0.0.1");
  ASSERT_TRUE(mapped);
  EXPECT_EQ((*mapped)[10], 0xff);
  EXPECT_EQ((*mapped)[12], 10);
}

TEST(CanonicalHost, EverySpellingOfThisMachineIsOne) {
  for (const std::string local :
       {"localhost", "LOCALHOST", "localhost.", "a.localhost", "127.0.0.1", "127.1.2.3", "::1",
        "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "0.0.0.0", "::"}) {
    EXPECT_EQ(CanonicalHost(local), "localhost") << local;
  }
}

TEST(CanonicalHost, OtherAddressesKeepOneSpellingEach) {
  EXPECT_EQ(CanonicalHost("VPN.Example.com."), "vpn.example.com");
  EXPECT_EQ(CanonicalHost("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  EXPECT_EQ(CanonicalHost("[2001:db8::0:1]"), "2001:db8::1");
  EXPECT_EQ(CanonicalHost("2001:db8:0:1:0:0:0:1"), "2001:db8:0:1::1");
  EXPECT_EQ(CanonicalHost("::ffff:192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(CanonicalHost("192.0.2.1"), "192.0.2.1");
  EXPECT_NE(CanonicalHost("192.0.2.1"), CanonicalHost("192.0.2.2"));
}

TEST(SameEndpoint, ComparesCanonicalHostsAndPorts) {
  EXPECT_TRUE(SameEndpoint("localhost", 6001, "127.0.0.1", 6001));
  EXPECT_TRUE(SameEndpoint("::1", 6001, "127.0.0.1", 6001));
  EXPECT_TRUE(SameEndpoint("Vpn.Example.com", 6001, "vpn.example.com.", 6001));
  EXPECT_FALSE(SameEndpoint("localhost", 6001, "127.0.0.1", 6002));
  EXPECT_FALSE(SameEndpoint("a.example.com", 6001, "b.example.com", 6001));
}

}  // namespace
}  // namespace vpnhub
