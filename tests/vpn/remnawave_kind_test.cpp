// What the remnawave kind declares and checks without I/O: its flags (--api-url, --token, the
// repeatable --squad), the settings they make, the URL and UUID rules, secret settings and the
// delivery of a provisioned key's subscription URL.
#include "vpn/remnawave/remnawave_kind.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fakes/fake_secrets.hpp"
#include "vpn/kind_test_support.hpp"
#include "vpn/remnawave/remnawave_backend.hpp"

namespace vpnhub::vpn::remnawave {
namespace {

constexpr const char* kSquadA = "a06b1624-032c-4933-a120-88103b29f2e1";
constexpr const char* kSquadB = "B586D113-221D-4BF5-8A19-A10EB13C6E65";

using test::FlagOf;

TEST(RemnawaveKind, DeclaresItsFlagsSecretsAndProbe) {
  const KindSpec spec = RemnawaveKind();
  EXPECT_EQ(spec.name, "remnawave");
  EXPECT_EQ(test::FlagNames(spec), (std::vector<std::string>{"--api-url", "--token", "--squad"}));
  EXPECT_TRUE(FlagOf(spec, "--api-url").required);
  EXPECT_TRUE(FlagOf(spec, "--token").required);
  EXPECT_FALSE(FlagOf(spec, "--squad").required);
  EXPECT_TRUE(FlagOf(spec, "--squad").repeatable);
  EXPECT_EQ(spec.secret_settings, (std::vector<std::string>{"api_url", "token"}));
  EXPECT_EQ(spec.listed_setting, "api_host");
  EXPECT_EQ(PrintableSetting(spec, "token", "secret-token"), "***");
  test::ExpectProbeAndBackend(spec);
}

TEST(RemnawaveKind, FlagsSetTheSettingsAndSquadsAppend) {
  const KindSpec spec = RemnawaveKind();
  ServerSettings settings;
  ASSERT_TRUE(FlagOf(spec, "--api-url").apply("https://panel.example.com/api/", settings).ok());
  ASSERT_TRUE(FlagOf(spec, "--token").apply("eyJhbGciOi.abc", settings).ok());
  ASSERT_TRUE(FlagOf(spec, "--squad").apply(kSquadA, settings).ok());
  ASSERT_TRUE(FlagOf(spec, "--squad").apply(kSquadB, settings).ok());
  EXPECT_EQ(settings, (ServerSettings{{"api_url", "https://panel.example.com"},
                                      {"api_host", "panel.example.com:443"},
                                      {"token", "eyJhbGciOi.abc"},
                                      {"squads", std::string(kSquadA) + "," + kSquadB}}));
  auto parsed = ParseSettings(settings);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->squads, (std::vector<std::string>{kSquadA, kSquadB}));
  EXPECT_FALSE(FlagOf(spec, "--squad").apply("not-a-uuid", settings).ok());
  EXPECT_FALSE(FlagOf(spec, "--token").apply("two words", settings).ok());
  EXPECT_FALSE(FlagOf(spec, "--token").apply("", settings).ok());
}

TEST(RemnawaveKind, PanelUrlRules) {
  auto u = ParsePanelUrl("http://127.0.0.1:3000/secret-prefix/");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->base, "http://127.0.0.1:3000/secret-prefix");
  EXPECT_EQ(u->origin, "http://127.0.0.1:3000");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->host_port, "127.0.0.1:3000");
  auto v6 = ParsePanelUrl("https://[2001:db8::1]:8443");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_EQ(v6->host_port, "[2001:db8::1]:8443");
  for (const char* bad :
       {"ftp://x", "panel.example.com", "https://", "https://a b", "https://u@host",
        "https://host?x=1", "https://host:0", "https://host:70000", "https://host:"}) {
    auto r = ParsePanelUrl(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().message().find(bad), std::string::npos) << bad;
    }
  }
  EXPECT_TRUE(CheckUuid(kSquadA).ok());
  EXPECT_FALSE(CheckUuid("a06b1624-032c-4933-a120-88103b29f2e").ok());
  EXPECT_FALSE(CheckUuid("a06b1624x032c-4933-a120-88103b29f2e1").ok());
}

TEST(RemnawaveKind, SettingsNameWhatIsMissing) {
  RemnawaveBackend backend;
  Server s;
  s.kind = "remnawave";
  s.capacity = 5;
  auto st = backend.ValidateSettings(s);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("\"api_url\""), std::string::npos) << st.ToString();
  s.settings = {{"api_url", "https://panel.example.com"}};
  st = backend.ValidateSettings(s);
  EXPECT_NE(st.message().find("\"token\""), std::string::npos) << st.ToString();
  s.settings["token"] = "t";
  s.settings["squads"] = "nope";
  st = backend.ValidateSettings(s);
  EXPECT_NE(st.message().find("\"squads\""), std::string::npos) << st.ToString();
  s.settings["squads"] = "";
  EXPECT_TRUE(backend.ValidateSettings(s).ok());
}

TEST(RemnawaveKind, DeliveryIsTheSubscriptionUrlMadeAbsolute) {
  RemnawaveBackend backend;
  Server s;
  s.kind = "remnawave";
  s.settings = {{"api_url", "https://panel.example.com:8443/p"}, {"token", "t"}};
  Key k;
  k.remote_data = R"({"id":3,"shortUuid":"abc","subscriptionUrl":"https://sub.example.com/abc"})";
  auto d = backend.Delivery(s, k, "VPNHub | Amsterdam");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->link, "https://sub.example.com/abc");
  EXPECT_EQ(d->qr_text, d->link);
  EXPECT_TRUE(d->config.empty());
  k.remote_data = R"({"id":3,"subscriptionUrl":"/api/sub/abc"})";
  EXPECT_EQ(backend.Delivery(s, k, "x")->link, "https://panel.example.com:8443/api/sub/abc");
  k.remote_data = R"({"id":3,"subscriptionUrl":"sub.example.com/abc"})";
  EXPECT_EQ(backend.Delivery(s, k, "x")->link, "https://sub.example.com/abc");
  k.remote_data.clear();
  EXPECT_EQ(backend.Delivery(s, k, "x").status().code(), StatusCode::kFailedPrecondition);
}

// The stored links become KeyDelivery::links as they are, with no panel call (the backend has no
// panel to call here: the API URL points nowhere); data stored before links were kept has none.
TEST(RemnawaveKind, DeliveryListsTheStoredLinks) {
  RemnawaveBackend backend;
  Server s;
  s.kind = "remnawave";
  s.settings = {{"api_url", "https://panel.example.com:8443/p"}, {"token", "t"}};
  Key k;
  k.remote_data = R"({"id":3,"shortUuid":"abc","subscriptionUrl":"/api/sub/abc","links":)"
                  R"(["vless://0b3f3c1e-1111-4222-8333-444455556666@127.0.0.1:443?type=tcp#a%20b",)"
                  R"("trojan://pw@127.0.0.1:8443?security=tls#c"]})";
  auto d = backend.Delivery(s, k, "VPNHub | Amsterdam");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->link, "https://panel.example.com:8443/api/sub/abc");
  EXPECT_EQ(d->links,
            (std::vector<std::string>{
                "vless://0b3f3c1e-1111-4222-8333-444455556666@127.0.0.1:443?type=tcp#a%20b",
                "trojan://pw@127.0.0.1:8443?security=tls#c"}));

  k.remote_data = R"({"id":3,"shortUuid":"abc","subscriptionUrl":"/api/sub/abc"})";
  d = backend.Delivery(s, k, "x");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->links.empty()) << "data stored before links were kept lists none";

  // A link that would break the subscription's line-per-link body, or is no link, is refused.
  for (const char* bad :
       {R"(["vless://a@h:1
vless://b@h:2"])",
        R"(["vless://a@h:1 x"])", R"(["not a link"])", R"([3])", R"("vless://a@h:1")"}) {
    k.remote_data = std::string(R"({"id":3,"subscriptionUrl":"/api/sub/abc","links":)") + bad + "}";
    EXPECT_EQ(backend.Delivery(s, k, "x").status().code(), StatusCode::kFailedPrecondition) << bad;
  }
}

TEST(RemnawaveKind, SecretFitsTheTrojanPasswordRule) {
  RemnawaveBackend backend;
  fakes::FakeSecrets secrets;
  const std::string secret = backend.NewSecret(secrets);
  EXPECT_GE(secret.size(), 8u);
  EXPECT_LE(secret.size(), 32u);
}

}  // namespace
}  // namespace vpnhub::vpn::remnawave
