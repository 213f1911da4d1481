#include "vpn/wireguard/wireguard_kind.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "vpn/wireguard/node_client.hpp"

namespace vpnhub::vpn::wireguard {
namespace {

const SettingFlag* Flag(const KindSpec& spec, const std::string& name) {
  for (const auto& f : spec.flags) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

TEST(WireguardKind, DeclaresTheFlagsNodeInitPrints) {
  KindSpec spec = WireguardKind();
  EXPECT_EQ(spec.name, "wireguard");
  EXPECT_EQ(spec.listed_setting, "node");
  EXPECT_EQ(spec.secret_settings, std::vector<std::string>{"token"});
  ASSERT_TRUE(spec.prepare_server);
  for (const char* name : {"--node", "--cert-sha256", "--token"}) {
    const SettingFlag* f = Flag(spec, name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_TRUE(f->required) << name;
  }
  auto backend = spec.make_backend(BackendOptions{});
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->kind(), "wireguard");
}

TEST(WireguardKind, FlagsWriteTheirSettings) {
  KindSpec spec = WireguardKind();
  ServerSettings s;
  ASSERT_TRUE(Flag(spec, "--node")->apply("https://203.0.113.7:7443/", s).ok());
  EXPECT_EQ(s["node"], "https://203.0.113.7:7443");
  std::string colons;
  for (int i = 0; i < 32; ++i) colons += (i ? ":" : "") + std::string("AB");
  ASSERT_TRUE(Flag(spec, "--cert-sha256")->apply(colons, s).ok());
  std::string lower;
  for (int i = 0; i < 32; ++i) lower += "ab";
  EXPECT_EQ(s["cert_sha256"], lower);
  ASSERT_TRUE(Flag(spec, "--token")->apply("0123abcd", s).ok());
  EXPECT_EQ(s["token"], "0123abcd");

  ServerSettings untouched;
  EXPECT_FALSE(Flag(spec, "--node")->apply("http://203.0.113.7:7443", untouched).ok());
  EXPECT_FALSE(Flag(spec, "--cert-sha256")->apply("12", untouched).ok());
  EXPECT_FALSE(Flag(spec, "--token")->apply("", untouched).ok());
  EXPECT_FALSE(Flag(spec, "--token")->apply("a b", untouched).ok());
  EXPECT_TRUE(untouched.empty());
}

TEST(NodeUrl, NormalisesWhatNodeInitPrints) {
  EXPECT_EQ(*ParseNodeUrl("https://203.0.113.7:7443"), "https://203.0.113.7:7443");
  EXPECT_EQ(*ParseNodeUrl("https://node.example.com"), "https://node.example.com:443");
  EXPECT_EQ(*ParseNodeUrl("https://[2001:db8::1]:7443/"), "https://[2001:db8::1]:7443");
  for (const char* bad :
       {"", "203.0.113.7:7443", "http://203.0.113.7:7443", "https://203.0.113.7:7443/v1",
        "https://user@host:1", "https://:7443", "https://host:", "https://host:99999",
        "https://[::1", "https://h?x=1", "https://[not-v6]:1"}) {
    EXPECT_FALSE(ParseNodeUrl(bad).ok()) << bad;
  }
}

TEST(NodeReplies, ParseTheSpecsShapes) {
  auto server = ParseServerReply(
      R"({"interface":"wg0","public_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",)"
      R"("listen_port":51820,"endpoint":"vpn.example.com:51820","tunnel":"10.8.0.1/24","peers":2})");
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_EQ(server->interface_name, "wg0");
  EXPECT_EQ(server->listen_port, 51820);
  EXPECT_EQ(server->peers, 2);
  EXPECT_FALSE(ParseServerReply(R"({"interface":"wg0"})").ok());
  EXPECT_FALSE(ParseServerReply("not json").ok());
  EXPECT_FALSE(
      ParseServerReply(R"({"public_key":1,"listen_port":"x","endpoint":"","tunnel":""})").ok());

  auto peers = ParsePeersReply(
      R"({"peers":[{"public_key":"k1","address":"10.8.0.5/32","rx_bytes":7,"tx_bytes":8,)"
      R"("latest_handshake":0},{"public_key":"k2","address":"10.8.0.6/32"}]})");
  ASSERT_TRUE(peers.ok()) << peers.status().ToString();
  ASSERT_EQ(peers->size(), 2u);
  EXPECT_EQ((*peers)[0].rx_bytes + (*peers)[0].tx_bytes, 15u);
  EXPECT_EQ((*peers)[1].address, "10.8.0.6/32");
  EXPECT_TRUE(ParsePeersReply(R"({"peers":[]})")->empty());
  EXPECT_FALSE(ParsePeersReply(R"({"peers":{}})").ok());
  EXPECT_FALSE(ParsePeersReply(R"({"peers":[{"address":"10.8.0.5/32"}]})").ok());
}

}  // namespace
}  // namespace vpnhub::vpn::wireguard
