// The xui kind's declarations without I/O: its flags, its settings, the credentials derived from
// a key's secret and the links of each protocol.
#include "vpn/xui/xui_kind.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "fakes/fake_secrets.hpp"
#include "vpn/kind.hpp"
#include "vpn/kind_test_support.hpp"
#include "vpn/kinds.hpp"
#include "vpn/xui/xui_backend.hpp"

namespace vpnhub::vpn::xui {
namespace {

using test::FlagOf;

ServerSettings Linked() {
  return {{"api_url", "https://panel.example:2053/s3cretPath"},
          {"api", "v2"},
          {"username", "admin"},
          {"password", "pw"},
          {"inbound_id", "3"},
          {"protocol", "vless"},
          {"inbound_port", "443"},
          {"network", "tcp"},
          {"security", "reality"},
          {"pbk", "Z84J2IelR9ch3k8VtlVhhs5ycBUlXA7wHBWcBrjqnAw"},
          {"sid", "6ba85179e30d4fc2"},
          {"sni", "www.microsoft.com"},
          {"fp", "chrome"},
          {"spx", "/"},
          {"flow", "xtls-rprx-vision"}};
}

Server ServerWith(ServerSettings settings) {
  Server s;
  s.kind = "xui";
  s.capacity = 10;
  s.public_host = "vpn.example";
  s.settings = std::move(settings);
  return s;
}

TEST(XuiKind, IsRegisteredWithItsFlagsAndSecrets) {
  auto kinds = BuiltinKinds();
  ASSERT_TRUE(kinds.ok());
  auto spec = kinds->Find("xui");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const auto flag_names = test::FlagNames(**spec);
  const std::set<std::string> names(flag_names.begin(), flag_names.end());
  for (const char* want :
       {"--api-url", "--username", "--password", "--token", "--inbound-id", "--api"}) {
    EXPECT_EQ(names.count(want), 1u) << want;
  }
  const auto& secret = (*spec)->secret_settings;
  for (const char* s : {"api_url", "password", "token"}) {
    EXPECT_NE(std::find(secret.begin(), secret.end(), s), secret.end()) << s;
  }
  EXPECT_EQ(PrintableSetting(**spec, "token", "abc"), "***");
  EXPECT_EQ((*spec)->listed_setting, "api_host");
}

TEST(XuiKind, FlagsCheckTheirValues) {
  const KindSpec spec = XuiKind();
  ServerSettings s;
  EXPECT_TRUE(FlagOf(spec, "--api-url").apply("https://[2001:db8::1]:2053/path/", s).ok());
  EXPECT_EQ(s["api_url"], "https://[2001:db8::1]:2053/path");
  EXPECT_EQ(s["api_host"], "[2001:db8::1]:2053");
  ServerSettings bad;
  EXPECT_FALSE(FlagOf(spec, "--api-url").apply("ftp://h/p", bad).ok());
  EXPECT_FALSE(FlagOf(spec, "--api-url").apply("https://u:p@h/p", bad).ok());
  EXPECT_FALSE(FlagOf(spec, "--api-url").apply("https://h/p?x=1", bad).ok());
  EXPECT_FALSE(FlagOf(spec, "--inbound-id").apply("0", bad).ok());
  EXPECT_FALSE(FlagOf(spec, "--inbound-id").apply("x1", bad).ok());
  EXPECT_TRUE(FlagOf(spec, "--inbound-id").apply("12", s).ok());
  EXPECT_FALSE(FlagOf(spec, "--api").apply("v4", bad).ok());
  EXPECT_TRUE(FlagOf(spec, "--api").apply("v3", s).ok());
  EXPECT_FALSE(FlagOf(spec, "--token").apply("", bad).ok());
}

TEST(XuiKind, ApiUrlMessagesNeverRepeatTheSecretPath) {
  auto r = ParseApiUrl("https://h:99999/VerySecretPath");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("VerySecretPath"), std::string::npos);
}

TEST(XuiKind, PrepareRefusesBothOrNeitherCredential) {
  Server s = ServerWith({{"api_url", "http://127.0.0.1:1/p"}, {"inbound_id", "1"}});
  BackendOptions options;
  EXPECT_EQ(PrepareXuiServer(options, s).code(), StatusCode::kInvalidArgument);
  s.settings["token"] = "t";
  s.settings["username"] = "u";
  s.settings["password"] = "p";
  EXPECT_EQ(PrepareXuiServer(options, s).code(), StatusCode::kInvalidArgument);
  s.settings.erase("username");
  s.settings.erase("password");
  s.settings["api"] = "v2";
  EXPECT_EQ(PrepareXuiServer(options, s).code(), StatusCode::kInvalidArgument)
      << "a token with --api v2";
}

TEST(XuiSettings, NeedTheCredentialOfTheirApiAndTheLinkSettings) {
  XuiBackend backend({});
  EXPECT_TRUE(backend.ValidateSettings(ServerWith(Linked())).ok());
  ServerSettings s = Linked();
  s.erase("password");
  EXPECT_EQ(backend.ValidateSettings(ServerWith(s)).code(), StatusCode::kInvalidArgument);
  s = Linked();
  s["api"] = "v3";
  EXPECT_FALSE(backend.ValidateSettings(ServerWith(s)).ok()) << "v3 without a token";
  s["token"] = "t";
  EXPECT_TRUE(backend.ValidateSettings(ServerWith(s)).ok());
  s = Linked();
  s.erase("pbk");
  EXPECT_FALSE(backend.ValidateSettings(ServerWith(s)).ok()) << "reality without pbk";
  s = Linked();
  s["protocol"] = "vmess";
  EXPECT_FALSE(backend.ValidateSettings(ServerWith(s)).ok());
  s = Linked();
  s["protocol"] = "shadowsocks";
  EXPECT_FALSE(backend.ValidateSettings(ServerWith(s)).ok()) << "ss without its method";
  s["ss_method"] = "2022-blake3-aes-128-gcm";
  s["ss_server_psk"] = "AAAAAAAAAAAAAAAAAAAAAA==";
  EXPECT_TRUE(backend.ValidateSettings(ServerWith(s)).ok());
  s["ss_method"] = "aes-256-gcm";
  EXPECT_FALSE(backend.ValidateSettings(ServerWith(s)).ok()) << "only 2022 methods";
}

TEST(XuiSecret, IsAVersion4UuidAndTheCredentialsDeriveFromIt) {
  XuiBackend backend({});
  fakes::FakeSecrets secrets;
  const std::string a = backend.NewSecret(secrets);
  const std::string b = backend.NewSecret(secrets);
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_TRUE(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b') << a;
  auto trojan = TrojanPassword(a);
  ASSERT_TRUE(trojan.ok());
  EXPECT_EQ(trojan->size(), 32u);
  EXPECT_EQ(trojan->find('-'), std::string::npos);
  auto k16 = Shadowsocks2022UserKey("2022-blake3-aes-128-gcm", a);
  auto k32 = Shadowsocks2022UserKey("2022-blake3-aes-256-gcm", a);
  ASSERT_TRUE(k16.ok() && k32.ok());
  EXPECT_EQ(k16->size(), 24u) << "base64 of 16 bytes";
  EXPECT_EQ(k32->size(), 44u) << "base64 of 32 bytes";
  EXPECT_EQ(*Shadowsocks2022UserKey("2022-blake3-aes-128-gcm", a), *k16) << "deterministic";
  EXPECT_NE(*Shadowsocks2022UserKey("2022-blake3-aes-128-gcm", b), *k16);
  EXPECT_FALSE(TrojanPassword("not-a-uuid").ok());
}

TEST(XuiDelivery, BuildsTheLinkOfTheInboundsProtocolForThePublicHost) {
  XuiBackend backend({});
  Key key;
  key.secret = "0b4a2f4e-8d0c-4a57-9c6e-3c1f2d5e7a90";
  auto d = backend.Delivery(ServerWith(Linked()), key, "VPNHub | NL");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->link,
            "vless://0b4a2f4e-8d0c-4a57-9c6e-3c1f2d5e7a90@vpn.example:443?encryption=none"
            "&flow=xtls-rprx-vision&fp=chrome&pbk=Z84J2IelR9ch3k8VtlVhhs5ycBUlXA7wHBWcBrjqnAw&"
            "security=reality"
            "&sid=6ba85179e30d4fc2&sni=www.microsoft.com&spx=%2F&type=tcp#VPNHub%20%7C%20NL");
  EXPECT_EQ(d->qr_text, d->link);
  EXPECT_TRUE(d->config.empty());
  ServerSettings t = Linked();
  t["protocol"] = "trojan";
  t["security"] = "tls";
  d = backend.Delivery(ServerWith(t), key, "n");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->link.rfind("trojan://0b4a2f4e8d0c4a579c6e3c1f2d5e7a90@vpn.example:443?", 0), 0u)
      << d->link;
  Server no_host = ServerWith(Linked());
  no_host.public_host.clear();
  EXPECT_FALSE(backend.Delivery(no_host, key, "n").ok());
  key.secret = "not-a-uuid";
  EXPECT_FALSE(backend.Delivery(ServerWith(Linked()), key, "n").ok());
}

TEST(XuiInbound, LinkSettingsReadTheStreamSettings) {
  Inbound in;
  in.id = 6;
  in.protocol = "vless";
  in.port = 8443;
  in.stream_settings = nlohmann::json::parse(R"({
    "network":"tcp","security":"reality",
    "realitySettings":{"serverNames":["a.example","b.example"],"shortIds":["ab12",""],
      "settings":{"publicKey":"PBK","fingerprint":"firefox","spiderX":"/x"}}})");
  auto s = LinkSettingsOf(in);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)["sni"], "a.example");
  EXPECT_EQ((*s)["sid"], "ab12");
  EXPECT_EQ((*s)["pbk"], "PBK");
  EXPECT_EQ((*s)["fp"], "firefox");
  EXPECT_EQ((*s)["spx"], "/x");
  EXPECT_EQ((*s)["flow"], "xtls-rprx-vision");
  EXPECT_EQ((*s)["inbound_port"], "8443");

  in.stream_settings = nlohmann::json::parse(
      R"({"network":"ws","security":"tls","wsSettings":{"path":"/vl","headers":{"Host":"h"}},
          "tlsSettings":{"serverName":"vpn.test","alpn":["h2","http/1.1"]}})");
  s = LinkSettingsOf(in);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)["path"], "/vl");
  EXPECT_EQ((*s)["ws_host"], "h");
  EXPECT_EQ((*s)["alpn"], "h2,http/1.1");
  EXPECT_EQ(s->count("flow"), 0u) << "vision only over raw tcp";

  in.protocol = "vmess";
  EXPECT_EQ(LinkSettingsOf(in).status().code(), StatusCode::kFailedPrecondition);
  in.protocol = "wireguard";
  EXPECT_EQ(LinkSettingsOf(in).status().code(), StatusCode::kFailedPrecondition);
  in.protocol = "shadowsocks";
  in.settings = nlohmann::json::parse(R"({"method":"chacha20-ietf-poly1305","password":"x"})");
  in.stream_settings = nlohmann::json::parse(R"({"network":"tcp"})");
  EXPECT_EQ(LinkSettingsOf(in).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace vpnhub::vpn::xui

namespace vpnhub::vpn::xui {
namespace {

TEST(XuiBackendMessages, AnUnreachablePanelIsRetryableAndItsSecretPathIsNotNamed) {
  XuiBackend backend({std::chrono::milliseconds(500), 0});
  ServerSettings s = Linked();
  s["api_url"] = "http://127.0.0.1:1/VerySecretBasePath";
  const Status st = backend.Ping(ServerWith(s));
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_EQ(st.message().find("VerySecretBasePath"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("pw"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("127.0.0.1:1"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace vpnhub::vpn::xui
