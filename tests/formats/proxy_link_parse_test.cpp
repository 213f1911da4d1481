// formats/proxy_link_parse: our own links (the golden files of proxy_links_test, ss_link,
// Outline's access URLs) read back field by field, and what is refused.
#include "formats/proxy_link_parse.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "formats/base64.hpp"
#include "formats/ss_link.hpp"

namespace vpnhub::formats {
namespace {

std::string Golden(const std::string& name) {
  std::ifstream in(std::string(VPNHUB_FORMATS_GOLDEN_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr char kName[] = "VPNHub | Амстердам #1";

TEST(ParseProxyLink, ReadsTheVlessRealityGolden) {
  auto p = ParseProxyLink(Golden("xui_vless_reality.link"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->scheme, "vless");
  EXPECT_EQ(p->user, "0b4a2f4e-8d0c-4a57-9c6e-3c1f2d5e7a90");
  EXPECT_EQ(p->host, "203.0.113.7");
  EXPECT_EQ(p->port, 443);
  EXPECT_EQ(p->name, kName);
  EXPECT_EQ(p->query, (std::map<std::string, std::string>{
                          {"encryption", "none"},
                          {"flow", "xtls-rprx-vision"},
                          {"fp", "chrome"},
                          {"pbk", "Z84J2IelR9ch3k8VtlVhhs5ycBUlXA7wHBWcBrjqnAw"},
                          {"security", "reality"},
                          {"sid", "6ba85179e30d4fc2"},
                          {"sni", "www.microsoft.com"},
                          {"spx", "/"},
                          {"type", "tcp"}}));
}

TEST(ParseProxyLink, DecodesQueryValuesAsGoDoes) {
  auto p = ParseProxyLink(Golden("xui_vless_ws_tls.link"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->query.at("path"), "/vl path");  // written "%2Fvl+path"
  EXPECT_EQ(p->query.at("alpn"), "h2,http/1.1");
  EXPECT_EQ(p->port, 8443);
}

TEST(ParseProxyLink, ReadsAnIpv6HostWithoutItsBrackets) {
  auto p = ParseProxyLink(Golden("xui_vless_grpc_ipv6.link"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->host, "2001:db8::7");
  EXPECT_EQ(p->port, 2096);
  EXPECT_EQ(p->query.at("serviceName"), "vlgrpc");
}

TEST(ParseProxyLink, ReadsTrojanAndShadowsocks2022) {
  auto t = ParseProxyLink(Golden("xui_trojan_tls.link"));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->scheme, "trojan");
  EXPECT_EQ(t->user, "0b4a2f4e8d0c4a579c6e3c1f2d5e7a90");
  EXPECT_EQ(t->method, "");
  auto s = ParseProxyLink(Golden("xui_ss2022.link"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->method, "2022-blake3-aes-128-gcm");
  EXPECT_EQ(s->user, "Y3/d+tZEG3r7w5oUa8gTCA==:q1Qt9zK8rVv0+I5X/2mJ4w==");
  EXPECT_EQ(s->name, kName);
}

TEST(ParseProxyLink, ReadsSip002OfEveryBase64Flavour) {
  // ShadowsocksLink: base64url without padding, a password with ':' '/' '+'.
  auto a = ParseProxyLink(
      ShadowsocksLink("chacha20-ietf-poly1305", "p:a/s+s", "h.example", 8388, "tag"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->method, "chacha20-ietf-poly1305");
  EXPECT_EQ(a->user, "p:a/s+s");
  EXPECT_EQ(a->name, "tag");
  // Standard base64 with padding, Outline's "/?outline=1".
  auto o = ParseProxyLink("ss://" + Base64Std("aes-256-gcm:s3cr3t?") + "@[::1]:41234/?outline=1");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->method, "aes-256-gcm");
  EXPECT_EQ(o->user, "s3cr3t?");
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->query.at("outline"), "1");
  EXPECT_EQ(o->name, "");
}

TEST(ParseProxyLink, ReadsTheLegacyAllBase64Form) {
  auto p = ParseProxyLink("ss://" + Base64Std("aes-128-gcm:pw@10.0.0.1:8388") + "#old%20one");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->method, "aes-128-gcm");
  EXPECT_EQ(p->user, "pw");
  EXPECT_EQ(p->host, "10.0.0.1");
  EXPECT_EQ(p->port, 8388);
  EXPECT_EQ(p->name, "old one");
}

TEST(ParseProxyLink, RefusesWhatIsNotAProxyLink) {
  for (const char* bad :
       {"", "https://example.com/sub", "ssconf://k.example/x", "vless://h:1", "vless://id@h",
        "vless://id@h:0", "vless://id@h:65536", "vless://id@h:1x", "vless://id@2001:db8::1:443",
        "trojan://p@[::1:443", "ss://!!!@h:1", "ss://bm9jb2xvbg@h:1", "vless://id@h:1?x=%zz",
        "vless://id@h:1#%4", "ss://YWVzLTEyOC1nY206cEBo"}) {
    EXPECT_EQ(ParseProxyLink(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(WithLinkName, ReplacesOrAddsTheFragment) {
  EXPECT_EQ(WithLinkName("vless://id@h:1?type=tcp#old", "A | Б"),
            "vless://id@h:1?type=tcp#A%20%7C%20%D0%91");
  EXPECT_EQ(WithLinkName("trojan://p@h:1", "x"), "trojan://p@h:1#x");
  EXPECT_EQ(WithLinkName("trojan://p@h:1#keep", ""), "trojan://p@h:1#keep");
}

TEST(Base64DecodeAny, TakesBothAlphabetsWithOrWithoutPadding) {
  EXPECT_EQ(Base64DecodeAny("YWI/"), "ab?");
  EXPECT_EQ(Base64DecodeAny("YWI_"), "ab?");
  EXPECT_EQ(Base64DecodeAny("YQ=="), "a");
  EXPECT_EQ(Base64DecodeAny("YQ"), "a");
  EXPECT_EQ(Base64DecodeAny(""), "");
  EXPECT_EQ(Base64DecodeAny("Y"), std::nullopt);
  EXPECT_EQ(Base64DecodeAny("Y Q"), std::nullopt);
  EXPECT_EQ(Base64DecodeAny("YQ=a"), std::nullopt);
}

}  // namespace
}  // namespace vpnhub::formats
