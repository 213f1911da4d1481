#include "formats/wg_conf.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "formats/conf_file_name.hpp"

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

TEST(ConfFileNameForWireGuard, KeepsLettersDigitsUnderscoreAndDash) {
  EXPECT_EQ(ConfFileName("VPNHub", "wireguard"), "VPNHub.conf");
  EXPECT_EQ(ConfFileName("my-vpn_2", "wireguard"), "my-vpn_2.conf");
  EXPECT_EQ(ConfFileName("VPNHub | Amsterdam", "wireguard"), "VPNHub_Amsterda.conf");
  EXPECT_EQ(ConfFileName("A | B", "wireguard"), "A_B.conf");
}

TEST(ConfFileNameForWireGuard, IsAtMostFifteenCharactersBeforeDotConf) {
  EXPECT_EQ(ConfFileName("abcdefghijklmnop", "wireguard"), "abcdefghijklmno.conf");
  EXPECT_EQ(ConfFileName("abcdefghijklmno", "wireguard"), "abcdefghijklmno.conf");
  EXPECT_EQ(ConfFileName("abcdefghijklmn | x", "wireguard"),
            "abcdefghijklmn.conf");  // no '_' at the end
}

TEST(ConfFileNameForWireGuard, DropsWhatIsNotAsciiAndFallsBackWhenNothingIsLeft) {
  EXPECT_EQ(ConfFileName("Сервер | Москва", "wireguard"), "wireguard.conf");
  EXPECT_EQ(ConfFileName("VPN | Москва", "wireguard"), "VPN.conf");
  EXPECT_EQ(ConfFileName("", "wireguard"), "wireguard.conf");
  EXPECT_EQ(ConfFileName("  ..//  ", "wireguard"), "wireguard.conf");
  EXPECT_EQ(ConfFileName("__x__", "wireguard"), "x.conf");
  EXPECT_EQ(ConfFileName("../../etc/passwd", "wireguard"), "etc_passwd.conf");
}

TEST(ConfFileNameForWireGuard, WgQuickAcceptsEveryName) {
  for (const char* name : {"VPNHub | Amsterdam", "", "Сервер | Москва", "a b c d e f g h i j k l",
                           "x", "1234567890123456789", "-", "a\nb", "name.with.dots"}) {
    EXPECT_TRUE(WgQuickAccepts(ConfFileName(name, "wireguard")))
        << name << " -> " << ConfFileName(name, "wireguard");
  }
}

}  // namespace
}  // namespace vpnhub::formats
