// formats/subscription: one person with keys of every kind in every format against golden files
// (tests/formats/golden/subscription_*), the ?format= names, the User-Agent rules per client app,
// and what each format leaves out. The goldens are read back by independent parsers in
// subscription_check.py (PyYAML, json, v2ray_core.parse_link) and carry traffic there.
//
// To rewrite the goldens after a deliberate change: VPNHUB_WRITE_GOLDEN=1
// ./formats_subscription_test (then read the diff: it is the review).
#include "formats/subscription.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "formats/base64.hpp"
#include "formats/outline_link.hpp"
#include "formats/proxy_links.hpp"
#include "formats/ss_link.hpp"
#include "formats/wg_conf.hpp"

namespace vpnhub::formats {
namespace {

std::string GoldenPath(const std::string& name) {
  return std::string(VPNHUB_FORMATS_GOLDEN_DIR) + "/" + name;
}

std::string Golden(const std::string& name) {
  std::ifstream in(GoldenPath(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  if (std::getenv("VPNHUB_WRITE_GOLDEN") != nullptr) {
    std::ofstream(GoldenPath(name), std::ios::binary) << actual;
  }
  EXPECT_EQ(actual, Golden(name)) << name;
}

constexpr char kUuid[] = "0b4a2f4e-8d0c-4a57-9c6e-3c1f2d5e7a90";

ProxyStream Reality() {
  ProxyStream s;
  s.security = "reality";
  s.sni = "www.microsoft.com";
  s.fp = "chrome";
  s.pbk = "Z84J2IelR9ch3k8VtlVhhs5ycBUlXA7wHBWcBrjqnAw";
  s.sid = "6ba85179e30d4fc2";
  s.spx = "/";
  s.flow = "xtls-rprx-vision";
  return s;
}

ProxyStream WsTls() {
  ProxyStream s;
  s.network = "ws";
  s.security = "tls";
  s.sni = "vpn.test";
  s.alpn = "h2,http/1.1";
  s.path = "/vl path";
  s.host = "cdn.example";
  return s;
}

ProxyStream Grpc() {
  ProxyStream s;
  s.network = "grpc";
  s.security = "tls";
  s.sni = "grpc.example";
  s.service_name = "vlgrpc";
  s.grpc_mode = "multi";
  return s;
}

ProxyStream TrojanTls() {
  ProxyStream s;
  s.security = "tls";
  s.sni = "vpn.test";
  s.fp = "firefox";
  return s;
}

std::string WgConf() {
  WgClientConfig c;
  c.private_key = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
  c.address = "10.8.0.2/32";
  c.dns = "1.1.1.1";
  c.server_public_key = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
  c.preshared_key = "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=";
  c.endpoint = "wg.example:51820";
  return WgClientConf(c);
}

// One person's keys, each as its kind delivers it (the builders of src/formats), named as the
// caller names them. Two names repeat on purpose (two keys in one location).
std::vector<SubscriptionEntry> Person() {
  auto outline = OutlineAccessLink(
      "ss://Y2hhY2hhMjAtaWV0Zi1wb2x5MTMwNTpvdXRsaW5lLXNlY3JldA@198.51.100.4:41234/?outline=1",
      "VPNHub | Франкфурт");
  EXPECT_TRUE(outline.ok());
  return {
      {"VPNHub | Амстердам",
       ShadowsocksLink("chacha20-ietf-poly1305", "pa55:w0rd/+", "ss.example", 8388,
                       "VPNHub | Амстердам"),
       ""},
      {"VPNHub | Франкфурт", outline.ok() ? *outline : "", ""},
      {"VPNHub | Хельсинки", VlessLink(kUuid, "203.0.113.7", 443, Reality(), "old name"), ""},
      {"VPNHub | Хельсинки", VlessLink(kUuid, "vpn.example", 8443, WsTls(), ""), ""},
      {"VPNHub | Варшава", VlessLink(kUuid, "2001:db8::7", 2096, Grpc(), "Варшава"), ""},
      {"VPNHub | Рига",
       TrojanLink("0b4a2f4e8d0c4a579c6e3c1f2d5e7a90", "vpn.example", 443, TrojanTls(), "Рига"), ""},
      {"VPNHub | Рига",
       Shadowsocks2022Link("2022-blake3-aes-128-gcm", "Y3/d+tZEG3r7w5oUa8gTCA==",
                           "q1Qt9zK8rVv0+I5X/2mJ4w==", "vpn.example", 8388, "tcp", "Рига"),
       ""},
      {"VPNHub | Стокгольм", "", WgConf()},
      {"VPNHub | Тбилиси", "", Golden("awg_easy_client.delivered.conf")},
  };
}

std::string Body(SubscriptionFormat format, const std::vector<SubscriptionEntry>& entries) {
  auto doc = RenderSubscription(format, entries);
  EXPECT_TRUE(doc.ok()) << SubscriptionFormatName(format) << ": " << doc.status().ToString();
  return doc.ok() ? doc->body : std::string();
}

TEST(Subscription, EveryFormatOfOnePersonMatchesItsGoldenFile) {
  const auto person = Person();
  ExpectGolden("subscription_plain.txt", Body(SubscriptionFormat::kPlain, person));
  ExpectGolden("subscription_base64.txt", Body(SubscriptionFormat::kBase64, person));
  ExpectGolden("subscription_clash.yaml", Body(SubscriptionFormat::kClash, person));
  ExpectGolden("subscription_singbox.json", Body(SubscriptionFormat::kSingBox, person));
  ExpectGolden("subscription_outline.json", Body(SubscriptionFormat::kOutline, person));
  ExpectGolden("subscription_wireguard.conf", Body(SubscriptionFormat::kWireGuard, person));
}

TEST(Subscription, DocumentsSayWhatTheyAre) {
  const auto person = Person();
  struct Want {
    SubscriptionFormat format;
    const char* content_type;
    const char* extension;
  };
  for (const Want& w : {
           Want{SubscriptionFormat::kBase64, "text/plain; charset=utf-8", "txt"},
           Want{SubscriptionFormat::kPlain, "text/plain; charset=utf-8", "txt"},
           Want{SubscriptionFormat::kClash, "text/yaml; charset=utf-8", "yaml"},
           Want{SubscriptionFormat::kSingBox, "application/json; charset=utf-8", "json"},
           Want{SubscriptionFormat::kOutline, "application/json", "json"},
           Want{SubscriptionFormat::kWireGuard, "text/plain; charset=utf-8", "conf"},
       }) {
    auto doc = RenderSubscription(w.format, person);
    ASSERT_TRUE(doc.ok()) << SubscriptionFormatName(w.format);
    EXPECT_EQ(doc->content_type, w.content_type) << SubscriptionFormatName(w.format);
    EXPECT_EQ(doc->file_extension, w.extension) << SubscriptionFormatName(w.format);
  }
}

TEST(Subscription, Base64IsTheStandardEncodingOfThePlainListWithoutItsLastNewline) {
  const auto person = Person();
  std::string plain = Body(SubscriptionFormat::kPlain, person);
  ASSERT_TRUE(plain.ends_with('\n'));
  plain.pop_back();
  EXPECT_EQ(Body(SubscriptionFormat::kBase64, person), Base64Std(plain));
  EXPECT_EQ(Base64Std("ab?"), "YWI/");  // '/' of the standard alphabet, not '_'
  EXPECT_EQ(Base64Std("a"), "YQ==");
  EXPECT_EQ(Base64Std("ab"), "YWI=");
}

TEST(Subscription, EachLinkOfTheListCarriesItsEntrysNameAsFragment) {
  const std::string plain = Body(SubscriptionFormat::kPlain, Person());
  // The reality link was made with "old name": the entry's name replaces it.
  EXPECT_EQ(plain.find("old%20name"), std::string::npos);
  EXPECT_NE(plain.find("type=tcp#VPNHub%20%7C%20%D0%A5"), std::string::npos);
  // The ws link was made without a name: it gets one.
  EXPECT_NE(plain.find("type=ws#VPNHub%20%7C%20"), std::string::npos);
  // Nine keys, two of them .conf only: seven lines.
  EXPECT_EQ(std::count(plain.begin(), plain.end(), '\n'), 7);
}

TEST(Subscription, ListsLeaveOutWhatAUriClientCannotImport) {
  const std::vector<SubscriptionEntry> entries = {
      {"panel", "https://panel.example/sub/abc", ""},
      {"dynamic", "ssconf://keys.example/k.json#x", ""},
      {"broken", "vless://id@h:1?type=tcp\n#x", ""},
      {"no scheme", "just text", ""},
      {"wg", "", WgConf()},
      {"vm", "vmess://eyJwcyI6Im9sZCJ9", ""},
  };
  auto doc = RenderSubscription(SubscriptionFormat::kPlain, entries);
  ASSERT_TRUE(doc.ok());
  // vmess:// names its server inside its base64 JSON: the link stays as the panel wrote it.
  EXPECT_EQ(doc->body, "vmess://eyJwcyI6Im9sZCJ9\n");
  EXPECT_EQ(
      RenderSubscription(SubscriptionFormat::kBase64, {entries[0], entries[4]}).status().code(),
      StatusCode::kNotFound);
  EXPECT_EQ(RenderSubscription(SubscriptionFormat::kPlain, {}).status().code(),
            StatusCode::kNotFound);
}

TEST(Subscription, OutlineIsTheFirstShadowsocksKeyAndNotFoundWithoutOne) {
  auto vless_only = Person();
  vless_only.erase(vless_only.begin(), vless_only.begin() + 2);
  // The first ss:// left is the Shadowsocks 2022 key of 3x-ui.
  auto doc = RenderSubscription(SubscriptionFormat::kOutline, vless_only);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->body,
            "{\n  \"server\": \"vpn.example\",\n  \"server_port\": 8388,\n"
            "  \"password\": \"Y3/d+tZEG3r7w5oUa8gTCA==:q1Qt9zK8rVv0+I5X/2mJ4w==\",\n"
            "  \"method\": \"2022-blake3-aes-128-gcm\"\n}\n");
  vless_only.erase(vless_only.begin() + 4);
  EXPECT_EQ(RenderSubscription(SubscriptionFormat::kOutline, vless_only).status().code(),
            StatusCode::kNotFound);
  // A plugin the dynamic key cannot carry: not offered.
  EXPECT_EQ(RenderSubscription(SubscriptionFormat::kOutline,
                               {{"p", "ss://YWVzLTEyOC1nY206cA@h:1/?plugin=obfs-local", ""}})
                .status()
                .code(),
            StatusCode::kNotFound);
}

TEST(Subscription, OutlineKeepsTheConnectionPrefixOfTheAccessUrl) {
  auto doc = RenderSubscription(
      SubscriptionFormat::kOutline,
      {{"o", "ss://YWVzLTEyOC1nY206cA@h:1/?outline=1&prefix=%16%03%01%00%C2%A8%01%01", ""}});
  ASSERT_TRUE(doc.ok());
  EXPECT_NE(doc->body.find("\"prefix\": \"\\u0016\\u0003\\u0001\\u0000¨\\u0001\\u0001\""),
            std::string::npos)
      << doc->body;
}

TEST(Subscription, WireGuardIsTheFirstConfAndNotFoundWithoutOne) {
  auto person = Person();
  EXPECT_EQ(Body(SubscriptionFormat::kWireGuard, person), WgConf());
  person.erase(person.begin() + 7);  // the WireGuard key: the AmneziaWG one is next
  EXPECT_EQ(Body(SubscriptionFormat::kWireGuard, person), Golden("awg_easy_client.delivered.conf"));
  person.pop_back();
  EXPECT_EQ(RenderSubscription(SubscriptionFormat::kWireGuard, person).status().code(),
            StatusCode::kNotFound);
  // A conf without its final newline gets one.
  auto doc = RenderSubscription(SubscriptionFormat::kWireGuard, {{"w", "", "[Interface]"}});
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->body, "[Interface]\n");
}

TEST(Subscription, ClashAndSingBoxSayNotFoundWhenNothingIsDescribable) {
  const std::vector<SubscriptionEntry> nothing = {
      {"panel", "https://panel.example/sub/abc", ""},
      {"vm", "vmess://eyJwcyI6Im9sZCJ9", ""},
      {"trojan without tls", "trojan://p@h:1?security=none&type=tcp", ""},
      {"xhttp", "vless://" + std::string(kUuid) + "@h:1?type=xhttp&security=tls", ""},
      {"bad conf", "", "[Interface]\nPrivateKey = x\n"},
  };
  EXPECT_EQ(RenderSubscription(SubscriptionFormat::kClash, nothing).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(RenderSubscription(SubscriptionFormat::kSingBox,
                               {nothing[0], nothing[1], nothing[3], nothing[4]})
                .status()
                .code(),
            StatusCode::kNotFound);
}

TEST(Subscription, ClashQuotesEveryStringSoNoneReadsAsANumberOrBoolean) {
  auto doc =
      RenderSubscription(SubscriptionFormat::kClash,
                         {{"123", "trojan://123456@h.example:443?security=tls&sni=yes", ""}});
  ASSERT_TRUE(doc.ok());
  EXPECT_NE(doc->body.find("name: \"123\""), std::string::npos) << doc->body;
  EXPECT_NE(doc->body.find("password: \"123456\""), std::string::npos) << doc->body;
  EXPECT_NE(doc->body.find("sni: \"yes\""), std::string::npos) << doc->body;
  EXPECT_NE(doc->body.find("port: 443\n"), std::string::npos) << doc->body;
  EXPECT_NE(doc->body.find("udp: true\n"), std::string::npos) << doc->body;
}

TEST(Subscription, ClashNamesAreUniqueAndNeverABuiltInPolicy) {
  const std::string ss = ShadowsocksLink("aes-128-gcm", "p", "h", 1, "");
  auto doc = RenderSubscription(SubscriptionFormat::kClash, {{"DIRECT", ss, ""},
                                                             {"PROXY", ss, ""},
                                                             {"x", ss, ""},
                                                             {"x", ss, ""},
                                                             {"x 2", ss, ""},
                                                             {"", ss, ""}});
  ASSERT_TRUE(doc.ok());
  const std::string& b = doc->body;
  for (const char* name : {"\"DIRECT 2\"", "\"PROXY 2\"", "\"x\"", "\"x 2\"", "\"x 2 2\"",
                           "\"proxy\"", "MATCH,PROXY\""}) {
    EXPECT_NE(b.find(name), std::string::npos) << name << " in\n" << b;
  }
  EXPECT_EQ(b.find("name: \"DIRECT\""), std::string::npos) << b;
}

TEST(Subscription, AmneziaWgTwoIsLeftOutOfClashAndEveryAmneziaWgOutOfSingBox) {
  const std::string awg2 =
      "[Interface]\nPrivateKey = a\nAddress = 10.8.0.3/24\nJc = 3\nS3 = 20\n\n[Peer]\n"
      "PublicKey = b\nEndpoint = h:1\n";
  EXPECT_EQ(RenderSubscription(SubscriptionFormat::kClash, {{"a", "", awg2}}).status().code(),
            StatusCode::kNotFound);
  const std::string awg1 = Golden("awg_easy_client.delivered.conf");
  auto clash = RenderSubscription(SubscriptionFormat::kClash, {{"a", "", awg1}});
  ASSERT_TRUE(clash.ok());
  EXPECT_NE(clash->body.find("amnezia-wg-option:"), std::string::npos);
  EXPECT_EQ(RenderSubscription(SubscriptionFormat::kSingBox, {{"a", "", awg1}}).status().code(),
            StatusCode::kNotFound);
}

TEST(Subscription, RealityWithoutAFingerprintGetsChromeInClashAndSingBox) {
  ProxyStream s = Reality();
  s.fp = "";
  const std::vector<SubscriptionEntry> entries = {
      {"r", VlessLink(kUuid, "203.0.113.7", 443, s, ""), ""}};
  EXPECT_NE(Body(SubscriptionFormat::kClash, entries).find("client-fingerprint: \"chrome\""),
            std::string::npos);
  EXPECT_NE(Body(SubscriptionFormat::kSingBox, entries).find("\"fingerprint\": \"chrome\""),
            std::string::npos);
  // TLS without a fingerprint stays without one: the client's own TLS stack.
  const std::vector<SubscriptionEntry> tls = {{"t", VlessLink(kUuid, "h", 1, WsTls(), ""), ""}};
  EXPECT_EQ(Body(SubscriptionFormat::kClash, tls).find("client-fingerprint"), std::string::npos);
  EXPECT_EQ(Body(SubscriptionFormat::kSingBox, tls).find("utls"), std::string::npos);
}

TEST(Subscription, PanelLinksWithXraysRawTransportAndEmptyParametersAreDescribed) {
  // As Marzban writes a REALITY link: "raw" (Xray's name for tcp since 24.9), headerType=none,
  // empty host.
  const std::vector<SubscriptionEntry> entries = {
      {"m",
       "vless://" + std::string(kUuid) +
           "@203.0.113.9:443?security=reality&type=raw&headerType=none&host=&sni=www.example.com"
           "&fp=chrome&pbk=Z84J2IelR9ch3k8VtlVhhs5ycBUlXA7wHBWcBrjqnAw&sid=&flow=xtls-rprx-vision"
           "#Marzban",
       ""}};
  const std::string clash = Body(SubscriptionFormat::kClash, entries);
  EXPECT_NE(clash.find("network: \"tcp\""), std::string::npos) << clash;
  EXPECT_NE(clash.find("flow: \"xtls-rprx-vision\""), std::string::npos) << clash;
  EXPECT_EQ(clash.find("short-id"), std::string::npos) << clash;
  const std::string singbox = Body(SubscriptionFormat::kSingBox, entries);
  EXPECT_NE(singbox.find("\"flow\": \"xtls-rprx-vision\""), std::string::npos) << singbox;
  EXPECT_EQ(singbox.find("\"transport\""), std::string::npos) << singbox;
}

TEST(Subscription, ANameThatIsNotUtf8NeverThrowsItGetsReplacementCharacters) {
  const std::string bad = "VPNHub | \xD0\x90\xFF";  // "А" then a stray byte
  const std::vector<SubscriptionEntry> entries = {
      {bad, ShadowsocksLink("aes-128-gcm", "p\xFF", "h", 1, ""), ""}};
  for (auto f : {SubscriptionFormat::kPlain, SubscriptionFormat::kClash,
                 SubscriptionFormat::kSingBox, SubscriptionFormat::kOutline}) {
    auto doc = RenderSubscription(f, entries);
    ASSERT_TRUE(doc.ok()) << SubscriptionFormatName(f);
  }
  EXPECT_NE(Body(SubscriptionFormat::kSingBox, entries).find("VPNHub | \xD0\x90\xEF\xBF\xBD"),
            std::string::npos);
  EXPECT_NE(Body(SubscriptionFormat::kClash, entries).find("VPNHub | \xD0\x90\xEF\xBF\xBD"),
            std::string::npos);
  EXPECT_NE(Body(SubscriptionFormat::kOutline, entries).find("p\xEF\xBF\xBD"), std::string::npos);
}

TEST(Subscription, SingBoxFinalIsTheFirstDescribableEntryEvenAnEndpoint) {
  auto doc = RenderSubscription(SubscriptionFormat::kSingBox,
                                {{"panel", "https://p.example/sub", ""},
                                 {"wg", "", WgConf()},
                                 {"ss", ShadowsocksLink("aes-128-gcm", "p", "h", 1, ""), ""}});
  ASSERT_TRUE(doc.ok());
  EXPECT_NE(doc->body.find("\"final\": \"wg\""), std::string::npos) << doc->body;
}

TEST(SubscriptionFormat, NamesRoundTripAndAliasesAreAccepted) {
  for (auto f : {SubscriptionFormat::kBase64, SubscriptionFormat::kPlain,
                 SubscriptionFormat::kClash, SubscriptionFormat::kSingBox,
                 SubscriptionFormat::kOutline, SubscriptionFormat::kWireGuard}) {
    EXPECT_EQ(ParseSubscriptionFormat(SubscriptionFormatName(f)), f) << SubscriptionFormatName(f);
  }
  EXPECT_STREQ(SubscriptionFormatName(SubscriptionFormat::kSingBox), "singbox");
  EXPECT_EQ(ParseSubscriptionFormat("v2ray"), SubscriptionFormat::kBase64);
  EXPECT_EQ(ParseSubscriptionFormat("raw"), SubscriptionFormat::kPlain);
  EXPECT_EQ(ParseSubscriptionFormat("mihomo"), SubscriptionFormat::kClash);
  EXPECT_EQ(ParseSubscriptionFormat("meta"), SubscriptionFormat::kClash);
  EXPECT_EQ(ParseSubscriptionFormat("Clash"), SubscriptionFormat::kClash);
  EXPECT_EQ(ParseSubscriptionFormat("sing-box"), SubscriptionFormat::kSingBox);
  EXPECT_EQ(ParseSubscriptionFormat("ssconf"), SubscriptionFormat::kOutline);
  EXPECT_EQ(ParseSubscriptionFormat("wg"), SubscriptionFormat::kWireGuard);
  EXPECT_EQ(ParseSubscriptionFormat("WireGuard"), SubscriptionFormat::kWireGuard);
  EXPECT_EQ(ParseSubscriptionFormat(""), std::nullopt);
  EXPECT_EQ(ParseSubscriptionFormat("yaml"), std::nullopt);
  EXPECT_EQ(ParseSubscriptionFormat("clash "), std::nullopt);
}

struct UaCase {
  const char* user_agent;
  SubscriptionFormat format;
};

// User-Agent strings as these apps send them when they update a subscription.
TEST(SubscriptionFormat, EachClientAppGetsItsFormatFromItsUserAgent) {
  const UaCase cases[] = {
      {"v2rayN/7.10.5", SubscriptionFormat::kBase64},
      {"v2rayNG/1.9.46", SubscriptionFormat::kBase64},
      {"HiddifyNext/2.5.7 (android) like ClashMeta v2ray sing-box", SubscriptionFormat::kBase64},
      {"Streisand/4.0 CFNetwork/1494.0.7 Darwin/23.4.0", SubscriptionFormat::kBase64},
      {"Shadowrocket/2070 CFNetwork/1410.0.3 Darwin/22.6.0 iPhone14,5",
       SubscriptionFormat::kBase64},
      {"clash-verge/v2.2.3", SubscriptionFormat::kClash},
      {"ClashMetaForAndroid/2.11.5.Meta", SubscriptionFormat::kClash},
      {"clash.meta/v1.19.2", SubscriptionFormat::kClash},  // mihomo's own fetcher
      {"mihomo/1.18.3", SubscriptionFormat::kClash},
      {"Stash/2.4.8 Clash/1.9.0", SubscriptionFormat::kClash},
      {"ClashX Pro/1.118.0 (com.west2online.ClashXPro; build:1.118.0; macOS 14.4.1) "
       "Alamofire/5.8.0",
       SubscriptionFormat::kClash},
      {"sing-box 1.11.4", SubscriptionFormat::kSingBox},
      {"SFA/1.11.4 (123; sing-box 1.11.4; language en_US)", SubscriptionFormat::kSingBox},
      {"SFI/1.11.4 (Build 217; sing-box 1.11.4; language en_US)", SubscriptionFormat::kSingBox},
      {"SFM/1.11.4 (Build 217; sing-box 1.11.4; language en_US)", SubscriptionFormat::kSingBox},
      {"Outline/1.14.0 (Android)", SubscriptionFormat::kOutline},
      {"OutlineClient/1.13.1", SubscriptionFormat::kOutline},
      {"", SubscriptionFormat::kBase64},
      {"curl/8.5.0", SubscriptionFormat::kBase64},
      {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
       SubscriptionFormat::kBase64},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(SubscriptionFormatName(SubscriptionFormatForUserAgent(c.user_agent)),
              std::string(SubscriptionFormatName(c.format)))
        << c.user_agent;
  }
}

}  // namespace
}  // namespace vpnhub::formats
