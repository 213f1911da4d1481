#include "formats/wg_conf.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace vpnhub::formats {
namespace {

WgClientConfig Sample() {
  WgClientConfig c;
  c.private_key = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
  c.address = "10.8.0.2/32";
  c.dns = "1.1.1.1";
  c.server_public_key = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
  c.preshared_key = "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=";
  c.endpoint = "vpn.example.com:51820";
  return c;
}

TEST(WgClientConf, RendersEveryLineWgQuickReads) {
  EXPECT_EQ(WgClientConf(Sample()),
            "[Interface]\n"
            "PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n"
            "Address = 10.8.0.2/32\n"
            "DNS = 1.1.1.1\n"
            "\n"
            "[Peer]\n"
            "PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
            "PresharedKey = FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=\n"
            "Endpoint = vpn.example.com:51820\n"
            "AllowedIPs = 0.0.0.0/0, ::/0\n"
            "PersistentKeepalive = 25\n");
}

TEST(WgClientConf, LeavesOutAnEmptyDnsAndPresharedKey) {
  WgClientConfig c = Sample();
  c.dns = "";
  c.preshared_key = "";
  const std::string conf = WgClientConf(c);
  EXPECT_EQ(conf.find("DNS"), std::string::npos);
  EXPECT_EQ(conf.find("PresharedKey"), std::string::npos);
  EXPECT_NE(conf.find("Endpoint = vpn.example.com:51820\n"), std::string::npos);
}

TEST(WgClientConf, CarriesSeveralDnsServersAndAnIpv6Endpoint) {
  WgClientConfig c = Sample();
  c.dns = "1.1.1.1, 2606:4700:4700::1111";
  c.endpoint = "[2001:db8::1]:51820";
  const std::string conf = WgClientConf(c);
  EXPECT_NE(conf.find("DNS = 1.1.1.1, 2606:4700:4700::1111\n"), std::string::npos);
  EXPECT_NE(conf.find("Endpoint = [2001:db8::1]:51820\n"), std::string::npos);
}

bool WgQuickAccepts(const std::string& file_name) {
  // wg-quick: the interface name is the file name without ".conf", [a-zA-Z0-9_=+.-]{1,15}.
  static const std::regex kName(R"(^[a-zA-Z0-9_=+.-]{1,15}\.conf$)");
  return std::regex_match(file_name, kName);
}

TEST(WgConfFileName, KeepsLettersDigitsUnderscoreAndDash) {
  EXPECT_EQ(WgConfFileName("VPNHub"), "VPNHub.conf");
  EXPECT_EQ(WgConfFileName("my-vpn_2"), "my-vpn_2.conf");
  EXPECT_EQ(WgConfFileName("VPNHub | Amsterdam"), "VPNHub_Amsterda.conf");
  EXPECT_EQ(WgConfFileName("A | B"), "A_B.conf");
}

TEST(WgConfFileName, IsAtMostFifteenCharactersBeforeDotConf) {
  EXPECT_EQ(WgConfFileName("abcdefghijklmnop"), "abcdefghijklmno.conf");
  EXPECT_EQ(WgConfFileName("abcdefghijklmno"), "abcdefghijklmno.conf");
  EXPECT_EQ(WgConfFileName("abcdefghijklmn | x"), "abcdefghijklmn.conf");  // no '_' at the end
}

TEST(WgConfFileName, DropsWhatIsNotAsciiAndFallsBackWhenNothingIsLeft) {
  EXPECT_EQ(WgConfFileName("Сервер | Москва"), "wireguard.conf");
  EXPECT_EQ(WgConfFileName("VPN | Москва"), "VPN.conf");
  EXPECT_EQ(WgConfFileName(""), "wireguard.conf");
  EXPECT_EQ(WgConfFileName("  ..//  "), "wireguard.conf");
  EXPECT_EQ(WgConfFileName("__x__"), "x.conf");
  EXPECT_EQ(WgConfFileName("../../etc/passwd"), "etc_passwd.conf");
}

TEST(WgConfFileName, WgQuickAcceptsEveryName) {
  for (const char* name : {"VPNHub | Amsterdam", "", "Сервер | Москва", "a b c d e f g h i j k l",
                           "x", "1234567890123456789", "-", "a\nb", "name.with.dots"}) {
    EXPECT_TRUE(WgQuickAccepts(WgConfFileName(name))) << name << " -> " << WgConfFileName(name);
  }
}

}  // namespace
}  // namespace vpnhub::formats
