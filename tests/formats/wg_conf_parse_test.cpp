// formats/wg_conf_parse: the .conf files our WireGuard and AmneziaWG kinds deliver, read back.
#include "formats/wg_conf_parse.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "formats/wg_conf.hpp"

namespace vpnhub::formats {
namespace {

std::string Golden(const std::string& name) {
  std::ifstream in(std::string(VPNHUB_FORMATS_GOLDEN_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ParseWgConf, ReadsWhatWgClientConfWrites) {
  WgClientConfig c;
  c.private_key = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
  c.address = "10.8.0.2/32";
  c.dns = "1.1.1.1, 8.8.8.8";
  c.server_public_key = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
  c.preshared_key = "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=";
  c.endpoint = "[2001:db8::1]:51820";
  auto wg = ParseWgConf(WgClientConf(c));
  ASSERT_TRUE(wg.ok()) << wg.status().ToString();
  EXPECT_EQ(wg->private_key, c.private_key);
  EXPECT_EQ(wg->addresses, std::vector<std::string>{"10.8.0.2/32"});
  EXPECT_EQ(wg->dns, (std::vector<std::string>{"1.1.1.1", "8.8.8.8"}));
  EXPECT_EQ(wg->public_key, c.server_public_key);
  EXPECT_EQ(wg->preshared_key, c.preshared_key);
  EXPECT_EQ(wg->endpoint_host, "2001:db8::1");
  EXPECT_EQ(wg->endpoint_port, 51820);
  EXPECT_EQ(wg->allowed_ips, (std::vector<std::string>{"0.0.0.0/0", "::/0"}));
  EXPECT_EQ(wg->persistent_keepalive, 25);
  EXPECT_TRUE(wg->amnezia.empty());
  EXPECT_EQ(wg->mtu, 0);
}

TEST(ParseWgConf, ReadsTheAmneziaWgLinesInTheirOrder) {
  auto wg = ParseWgConf(Golden("awg_easy_client.delivered.conf"));
  ASSERT_TRUE(wg.ok()) << wg.status().ToString();
  ASSERT_EQ(wg->amnezia.size(), 9u);
  EXPECT_EQ(wg->amnezia[0], (std::pair<std::string, std::string>{"Jc", "7"}));
  EXPECT_EQ(wg->amnezia[8], (std::pair<std::string, std::string>{"H4", "1379448069"}));
  EXPECT_EQ(wg->endpoint_host, "vpn.example.net");
  EXPECT_EQ(wg->addresses, std::vector<std::string>{"10.8.0.2/24"});
  EXPECT_EQ(wg->persistent_keepalive, 0);
}

TEST(ParseWgConf, OnlyTheFirstPeerCountsAndCommentsAreSkipped) {
  auto wg = ParseWgConf(
      "# made by hand\n[interface]\nprivatekey=k\nAddress = 10.0.0.2/32,fd00::2/128\nMTU = 1280\n"
      "[Peer]\nPublicKey = first\nEndpoint = a.example:1\n[Peer]\nPublicKey = second\n"
      "Endpoint = b.example:2\n");
  ASSERT_TRUE(wg.ok()) << wg.status().ToString();
  EXPECT_EQ(wg->public_key, "first");
  EXPECT_EQ(wg->endpoint_host, "a.example");
  EXPECT_EQ(wg->addresses, (std::vector<std::string>{"10.0.0.2/32", "fd00::2/128"}));
  EXPECT_EQ(wg->mtu, 1280);
}

TEST(ParseWgConf, RefusesAConfMissingWhatAClientNeeds) {
  const std::string ok =
      "[Interface]\nPrivateKey = k\nAddress = 10.0.0.2/32\n[Peer]\nPublicKey = p\nEndpoint = h:1\n";
  ASSERT_TRUE(ParseWgConf(ok).ok());
  for (const std::string& missing :
       {std::string("PrivateKey = k\n"), std::string("Address = 10.0.0.2/32\n"),
        std::string("PublicKey = p\n"), std::string("Endpoint = h:1\n")}) {
    std::string conf = ok;
    conf.erase(conf.find(missing), missing.size());
    EXPECT_EQ(ParseWgConf(conf).status().code(), StatusCode::kInvalidArgument) << missing;
  }
  std::string bad_port = ok;
  bad_port.replace(bad_port.find("h:1"), 3, "h:99999");
  EXPECT_EQ(ParseWgConf(bad_port).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vpnhub::formats
