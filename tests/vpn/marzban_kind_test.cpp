// What the marzban kind declares and checks without I/O: its flags and the settings they make,
// the username a remote name maps to, the settings' rules, the key's credential and the delivery
// of a provisioned key (the panel's subscription URL made absolute).
#include "vpn/marzban/marzban_kind.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "fakes/fake_secrets.hpp"
#include "vpn/kind_test_support.hpp"
#include "vpn/marzban/marzban_backend.hpp"

namespace vpnhub::vpn::marzban {
namespace {

using test::FlagOf;

Server AServer() {
  Server s;
  s.id = 7;
  s.kind = "marzban";
  s.public_host = "vpn.example.com";
  s.capacity = 100;
  s.settings = {{"api_url", "https://panel.example.com:8443/secret"},
                {"api_host", "panel.example.com:8443"},
                {"username", "admin"},
                {"password", "pw"},
                {"inbound_map", R"({"vless":["VLESS TCP"]})"}};
  return s;
}

TEST(MarzbanKind, DeclaresItsFlagsSecretsAndProbe) {
  const KindSpec spec = MarzbanKind();
  EXPECT_EQ(spec.name, "marzban");
  EXPECT_EQ(test::FlagNames(spec),
            (std::vector<std::string>{"--api-url", "--username", "--password", "--inbound",
                                      "--sub-url-base"}));
  EXPECT_TRUE(FlagOf(spec, "--api-url").required);
  EXPECT_TRUE(FlagOf(spec, "--username").required);
  EXPECT_TRUE(FlagOf(spec, "--password").required);
  EXPECT_FALSE(FlagOf(spec, "--inbound").required);
  EXPECT_TRUE(FlagOf(spec, "--inbound").repeatable);
  EXPECT_FALSE(FlagOf(spec, "--password").repeatable);
  EXPECT_EQ(std::set<std::string>(spec.secret_settings.begin(), spec.secret_settings.end()),
            (std::set<std::string>{"password", "api_url"}));
  EXPECT_EQ(PrintableSetting(spec, "password", "hunter2"), "***");
  EXPECT_EQ(spec.listed_setting, "api_host");
  test::ExpectProbeAndBackend(spec);
}

TEST(MarzbanKind, FlagsSetTheSettingsAndInboundsAccumulate) {
  const KindSpec spec = MarzbanKind();
  ServerSettings s;
  ASSERT_TRUE(FlagOf(spec, "--api-url").apply("https://panel.example.com:8443/x/", s).ok());
  ASSERT_TRUE(FlagOf(spec, "--username").apply("admin", s).ok());
  ASSERT_TRUE(FlagOf(spec, "--password").apply("p@ss word", s).ok());
  ASSERT_TRUE(FlagOf(spec, "--inbound").apply("VLESS TCP", s).ok());
  ASSERT_TRUE(FlagOf(spec, "--inbound").apply("Trojan TLS", s).ok());
  ASSERT_TRUE(FlagOf(spec, "--sub-url-base").apply("https://sub.example.com/", s).ok());
  EXPECT_EQ(s, (ServerSettings{{"api_url", "https://panel.example.com:8443/x"},
                               {"api_host", "panel.example.com:8443"},
                               {"username", "admin"},
                               {"password", "p@ss word"},
                               {"inbounds", "VLESS TCP,Trojan TLS"},
                               {"sub_url_base", "https://sub.example.com"}}));
  ServerSettings bad;
  EXPECT_EQ(FlagOf(spec, "--inbound").apply("A,B", bad).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FlagOf(spec, "--api-url").apply("ftp://x", bad).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FlagOf(spec, "--password").apply("", bad).code(), StatusCode::kInvalidArgument);
}

TEST(MarzbanKind, RemoteNamesMapToMarzbanUsernames) {
  EXPECT_EQ(MarzbanUsername("vpnhub-5551001-AbC123"), "vpnhub_5551001_abc123");
  EXPECT_EQ(MarzbanUsername("vpnhub-contract-101"), "vpnhub_contract_101");
  const std::regex marzban("^[a-z0-9_]{3,32}$");
  const std::string long_a = "vpnhub-123456789012345678901234567890-aaaaaa";
  const std::string long_b = "vpnhub-123456789012345678901234567890-bbbbbb";
  for (const std::string& name : {long_a, long_b, std::string("x"), std::string("a.b c")}) {
    EXPECT_TRUE(std::regex_match(MarzbanUsername(name), marzban)) << MarzbanUsername(name);
    EXPECT_EQ(MarzbanUsername(name), MarzbanUsername(name)) << "deterministic";
  }
  EXPECT_NE(MarzbanUsername(long_a), MarzbanUsername(long_b));
  EXPECT_EQ(MarzbanUsername(long_a).substr(0, 7), "vpnhub_");
}

TEST(MarzbanKind, SettingsAreChecked) {
  MarzbanBackend backend;
  EXPECT_TRUE(backend.ValidateSettings(AServer()).ok());
  for (const char* name : {"api_url", "username", "password", "inbound_map"}) {
    Server s = AServer();
    s.settings.erase(name);
    const Status st = backend.ValidateSettings(s);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << name;
    EXPECT_NE(st.message().find(name), std::string::npos) << st.message();
  }
  Server s = AServer();
  s.settings["inbound_map"] = R"({"vless":"VLESS TCP"})";
  EXPECT_EQ(backend.ValidateSettings(s).code(), StatusCode::kInvalidArgument);
  s.settings["inbound_map"] = "{}";
  EXPECT_EQ(backend.ValidateSettings(s).code(), StatusCode::kInvalidArgument);
  auto ports = backend.KeyPorts(AServer());
  ASSERT_TRUE(ports.ok());
  EXPECT_FALSE(ports->has_value());
}

TEST(MarzbanKind, SecretsAreDistinctVersion4Uuids) {
  MarzbanBackend backend;
  fakes::FakeSecrets secrets;
  const std::regex uuid4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 9; ++i) {  // FakeSecrets' tok1..tok9: distinct in their hex digits
    const std::string s = backend.NewSecret(secrets);
    EXPECT_TRUE(std::regex_match(s, uuid4)) << s;
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 9u);
}

TEST(MarzbanKind, DeliveryIsTheSubscriptionUrlMadeAbsolute) {
  MarzbanBackend backend;
  Key key;
  key.remote_name = "vpnhub-1-abcdef";
  key.remote_data =
      R"({"username":"vpnhub_1_abcdef","subscription_url":"/sub/TOKEN1","links":["vless://x@h:1"]})";
  auto d = backend.Delivery(AServer(), key, "VPNHub | Amsterdam");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->link, "https://panel.example.com:8443/secret/sub/TOKEN1");
  EXPECT_EQ(d->qr_text, d->link);
  EXPECT_TRUE(d->config.empty());
  // The links a subscription lists are the stored ones, as they are (no panel call).
  EXPECT_EQ(d->links, std::vector<std::string>{"vless://x@h:1"});

  Server with_base = AServer();
  with_base.settings["sub_url_base"] = "https://sub.example.com";
  d = backend.Delivery(with_base, key, "n");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->link, "https://sub.example.com/sub/TOKEN1");

  key.remote_data =
      R"({"username":"vpnhub_1_abcdef","subscription_url":"https://s.example.org/sub/T","links":[]})";
  d = backend.Delivery(with_base, key, "n");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->link, "https://s.example.org/sub/T") << "an absolute URL is kept";
  EXPECT_TRUE(d->links.empty());

  key.remote_data.clear();
  EXPECT_EQ(backend.Delivery(AServer(), key, "n").status().code(), StatusCode::kFailedPrecondition);
  key.remote_data = "{\"links\":[]}";
  EXPECT_EQ(backend.Delivery(AServer(), key, "n").status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace vpnhub::vpn::marzban
