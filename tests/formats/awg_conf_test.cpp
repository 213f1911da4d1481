#include "formats/awg_conf.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "formats/conf_file_name.hpp"

namespace vpnhub::formats {
namespace {

// tests/formats/golden/: awg_easy_client.conf is the text amnezia-wg-easy's
// GET /api/wireguard/client/{id}/configuration answers (its leading blank line and no final
// newline included); the others are what the hub must make of it.
std::string Golden(const std::string& name) {
  std::ifstream in(std::string(VPNHUB_FORMATS_GOLDEN_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(AmneziaWgConf, DeliversTheServersTextAsGiven) {
  auto conf = AmneziaWgConf(Golden("awg_easy_client.conf"));
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  EXPECT_EQ(*conf, Golden("awg_easy_client.delivered.conf"));
}

TEST(AmneziaWgConf, KeepsTheObfuscationLinesExactlyAsTheServerWroteThem) {
  auto conf = AmneziaWgConf(Golden("awg_easy_client.conf"));
  ASSERT_TRUE(conf.ok());
  EXPECT_EQ(AmneziaWgLines(*conf), Golden("awg_easy_client.awg_lines"));
}

TEST(AmneziaWgConf, SetsNothingTheServerDidNot) {
  // A server without DNS, MTU or obfuscation lines: none appear.
  const std::string bare =
      "[Interface]\nPrivateKey = a\nAddress = 10.8.0.3/24\n\n[Peer]\nPublicKey = b\n"
      "AllowedIPs = 0.0.0.0/0\nEndpoint = h:1\n";
  auto conf = AmneziaWgConf(bare);
  ASSERT_TRUE(conf.ok());
  EXPECT_EQ(*conf, bare);
  EXPECT_EQ(AmneziaWgLines(*conf), "");
}

TEST(AmneziaWgConf, KeepsUnusualSpacingAndLaterVersionKeys) {
  const std::string text =
      "[Interface]\nPrivateKey = a\nJc=3\nS3 = 20\nI1 = <b 0xf6ab3267fa><c><t>\n\n[Peer]\n"
      "PublicKey = b\n";
  auto conf = AmneziaWgConf(text);
  ASSERT_TRUE(conf.ok());
  EXPECT_EQ(*conf, text);
  EXPECT_EQ(AmneziaWgLines(*conf), "Jc=3\nS3 = 20\nI1 = <b 0xf6ab3267fa><c><t>\n");
}

TEST(AmneziaWgConf, RefusesWhatIsNotAClientConfiguration) {
  EXPECT_EQ(AmneziaWgConf("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AmneziaWgConf("<html>login</html>").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AmneziaWgConf("[Interface]\nAddress = x\n[Peer]\nPublicKey = b\n").status().code(),
            StatusCode::kInvalidArgument);
  auto placeholder = AmneziaWgConf("[Interface]\nPrivateKey = REPLACE_ME\n[Peer]\nPublicKey = b\n");
  EXPECT_EQ(placeholder.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(placeholder.status().message().find("REPLACE_ME"), std::string::npos);
}

TEST(StripAmneziaWg, LeavesPlainWireGuard) {
  auto conf = AmneziaWgConf(Golden("awg_easy_client.conf"));
  ASSERT_TRUE(conf.ok());
  EXPECT_EQ(StripAmneziaWg(*conf), Golden("awg_easy_client.wg.conf"));
  EXPECT_EQ(AmneziaWgLines(StripAmneziaWg(*conf)), "");
}

TEST(IsAmneziaWgKey, OnlyTheObfuscationKeys) {
  for (const char* k : {"Jc", "Jmin", "Jmax", "S1", "S2", "H1", "H2", "H3", "H4"}) {
    EXPECT_TRUE(IsAmneziaWgKey(k)) << k;
  }
  for (const char* k : {"PrivateKey", "Address", "DNS", "MTU", "jc", "H5", "S", ""}) {
    EXPECT_FALSE(IsAmneziaWgKey(k)) << k;
  }
}

TEST(ConfFileName, SafeShortInterfaceName) {
  EXPECT_EQ(ConfFileName("VPNHub | Oslo"), "VPNHub_Oslo.conf");
  EXPECT_EQ(ConfFileName("VPNHub | Amsterdam"), "VPNHub_Amsterda.conf");
  EXPECT_EQ(ConfFileName("My-VPN_1"), "My-VPN_1.conf");
  EXPECT_EQ(ConfFileName("A very long brand name | Frankfurt"), "A_very_long_bra.conf");
  EXPECT_EQ(ConfFileName("../../etc/passwd"), "etc_passwd.conf");
  EXPECT_EQ(ConfFileName("Москва"), "vpn.conf");
  EXPECT_EQ(ConfFileName("VPN | Москва"), "VPN.conf");
  EXPECT_EQ(ConfFileName(""), "vpn.conf");
  EXPECT_EQ(ConfFileName("___"), "vpn.conf");
  EXPECT_EQ(ConfFileName("abcdefghijklmn | x"), "abcdefghijklmn.conf");  // no "_" left at the cut
}

}  // namespace
}  // namespace vpnhub::formats
