// What the outline kind declares and checks without I/O: its flags (--api-url + --cert-sha256 or
// --outline-json, not both), the settings they make, the API URL's rules, secret settings and the
// delivery of a provisioned key.
#include "vpn/outline/outline_kind.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fakes/fake_secrets.hpp"
#include "vpn/kind_test_support.hpp"
#include "vpn/outline/outline_backend.hpp"

namespace vpnhub::vpn::outline {
namespace {

constexpr const char* kPinUpper =
    "D8F8C1C1ED9736542E6652D78AC0BB23061B7569C35CBA74083A8417445C9D46";
constexpr const char* kPinLower =
    "d8f8c1c1ed9736542e6652d78ac0bb23061b7569c35cba74083a8417445c9d46";
constexpr const char* kUrl = "https://203.0.113.7:51234/Xyz-_AbC12";

using test::FlagOf;

TEST(OutlineKind, DeclaresItsFlagsSecretsAndProbe) {
  const KindSpec spec = OutlineKind();
  EXPECT_EQ(spec.name, "outline");
  std::vector<std::string> names;
  for (const auto& f : spec.flags) {
    names.push_back(f.name);
    EXPECT_FALSE(f.required) << f.name << ": either form may be given";
    EXPECT_TRUE(f.edit_help.empty()) << f.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"--api-url", "--cert-sha256", "--outline-json"}));
  EXPECT_EQ(spec.secret_settings, std::vector<std::string>{"api_url"});
  EXPECT_EQ(spec.listed_setting, "api_host");
  EXPECT_EQ(PrintableSetting(spec, "api_url", kUrl), "***");
  EXPECT_EQ(PrintableSetting(spec, "api_host", "203.0.113.7:51234"), "203.0.113.7:51234");
  test::ExpectProbeAndBackend(spec);
}

TEST(OutlineKind, SeparateFlagsSetTheSettings) {
  const KindSpec spec = OutlineKind();
  ServerSettings settings;
  ASSERT_TRUE(FlagOf(spec, "--api-url").apply(std::string(kUrl) + "/", settings).ok());
  ASSERT_TRUE(FlagOf(spec, "--cert-sha256").apply(kPinUpper, settings).ok());
  EXPECT_EQ(settings,
            (ServerSettings{
                {"api_url", kUrl}, {"api_host", "203.0.113.7:51234"}, {"cert_sha256", kPinLower}}));
}

TEST(OutlineKind, TheInstallersJsonLineSetsTheSameSettings) {
  const KindSpec spec = OutlineKind();
  ServerSettings settings;
  const std::string line =
      std::string(R"({"apiUrl":")") + kUrl + R"(","certSha256":")" + kPinUpper + R"("})";
  ASSERT_TRUE(FlagOf(spec, "--outline-json").apply(line, settings).ok());
  EXPECT_EQ(settings,
            (ServerSettings{
                {"api_url", kUrl}, {"api_host", "203.0.113.7:51234"}, {"cert_sha256", kPinLower}}));
}

TEST(OutlineKind, BothFormsTogetherAreRefused) {
  const KindSpec spec = OutlineKind();
  const std::string line =
      std::string(R"({"apiUrl":")") + kUrl + R"(","certSha256":")" + kPinUpper + R"("})";
  {  // the CLI applies the given flags one after another into one settings map, in any order
    ServerSettings settings;
    ASSERT_TRUE(FlagOf(spec, "--api-url").apply(kUrl, settings).ok());
    const Status st = FlagOf(spec, "--outline-json").apply(line, settings);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(st.message().find("not both"), std::string::npos) << st.message();
  }
  {
    ServerSettings settings;
    ASSERT_TRUE(FlagOf(spec, "--outline-json").apply(line, settings).ok());
    EXPECT_EQ(FlagOf(spec, "--cert-sha256").apply(kPinUpper, settings).code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(FlagOf(spec, "--api-url").apply(kUrl, settings).code(), StatusCode::kInvalidArgument);
  }
}

TEST(OutlineKind, BadJsonLinesAreRefusedSayingWhy) {
  const KindSpec spec = OutlineKind();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "installer's JSON line"},
      {R"({"certSha256":"x"})", "no apiUrl"},
      {std::string(R"({"apiUrl":")") + kUrl + R"("})", "no certSha256"},
      {std::string(R"({"apiUrl":"http://h:1/s","certSha256":")") + kPinUpper + R"("})",
       "apiUrl: the API URL must start https://"},
      {std::string(R"({"apiUrl":")") + kUrl + R"(","certSha256":"abc"})", "certSha256:"},
  };
  for (const auto& [value, says] : cases) {
    ServerSettings settings;
    const Status st = FlagOf(spec, "--outline-json").apply(value, settings);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << value;
    EXPECT_NE(st.message().find(says), std::string::npos) << value << " -> " << st.message();
    EXPECT_TRUE(settings.empty()) << value;
  }
}

TEST(OutlineApiUrl, TakesHostPortAndSecretPath) {
  auto a = ParseApiUrl("https://vpn.example.com:8081/AbC/");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->base, "https://vpn.example.com:8081/AbC");
  EXPECT_EQ(a->host, "vpn.example.com");
  EXPECT_EQ(a->port, 8081);
  EXPECT_EQ(a->path, "/AbC");
  auto v6 = ParseApiUrl("https://[2001:db8::1]:443/s");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->host, "2001:db8::1");
  auto no_port = ParseApiUrl("https://1.2.3.4/s");
  ASSERT_TRUE(no_port.ok());
  EXPECT_EQ(no_port->port, 443);
}

TEST(OutlineApiUrl, RefusesWithoutRepeatingTheSecret) {
  for (const std::string bad :
       {"", "http://1.2.3.4:1/SeCrEt", "https://1.2.3.4:1", "https://1.2.3.4:1/",
        "https://1.2.3.4:0/SeCrEt", "https://1.2.3.4:70000/SeCrEt", "https://:1/SeCrEt",
        "https://1.2.3.4:/SeCrEt", "https://u@1.2.3.4:1/SeCrEt", "https://1.2.3.4:1/SeCrEt?x=1",
        "https://1.2.3.4:1/SeCrEt#f", "https://1.2.3.4:1/Se CrEt", "https://bad_host:1/SeCrEt",
        "https://[::1/SeCrEt", "https://[zz::1]:1/SeCrEt"}) {
    auto r = ParseApiUrl(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(r.status().message().find("SeCrEt"), std::string::npos) << r.status().message();
  }
}

TEST(OutlineSettings, BothSettingsAreRequiredAndNamed) {
  OutlineBackend backend;
  Server s;
  s.kind = "outline";
  s.capacity = 100;
  Status st = backend.ValidateSettings(s);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("\"api_url\" is required (--api-url, or apiUrl of --outline-json)"),
            std::string::npos)
      << st.message();
  s.settings["api_url"] = kUrl;
  st = backend.ValidateSettings(s);
  EXPECT_NE(st.message().find("\"cert_sha256\" is required"), std::string::npos) << st.message();
  s.settings["cert_sha256"] = "zz";
  EXPECT_EQ(backend.ValidateSettings(s).code(), StatusCode::kInvalidArgument);
  s.settings["cert_sha256"] = kPinUpper;
  EXPECT_TRUE(backend.ValidateSettings(s).ok());
  auto ports = backend.KeyPorts(s);
  ASSERT_TRUE(ports.ok());
  EXPECT_FALSE(ports->has_value());
}

TEST(OutlineDelivery, IsTheServersAccessUrlWithTheShareName) {
  OutlineBackend backend;
  Server s;
  s.kind = "outline";
  s.public_host = "203.0.113.7";
  s.settings = {{"api_url", kUrl}, {"cert_sha256", kPinLower}};
  Key key;
  key.remote_data =
      R"({"id":"4","accessUrl":"ss://Y2hhY2hhMjAtaWV0Zi1wb2x5MTMwNTpzM2NyZXRQYXNz@203.0.113.7:41000/?outline=1"})";
  auto d = backend.Delivery(s, key, "VPNHub | Amsterdam");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->link,
            "ss://Y2hhY2hhMjAtaWV0Zi1wb2x5MTMwNTpzM2NyZXRQYXNz@203.0.113.7:41000/"
            "?outline=1#VPNHub%20%7C%20Amsterdam");
  EXPECT_EQ(d->qr_text, d->link);
  EXPECT_TRUE(d->config.empty());
  EXPECT_TRUE(d->config_name.empty());

  key.remote_data.clear();  // not provisioned yet
  EXPECT_EQ(backend.Delivery(s, key, "n").status().code(), StatusCode::kFailedPrecondition);
  key.remote_data = R"({"id":"4","accessUrl":"https://evil.example/x"})";
  EXPECT_EQ(backend.Delivery(s, key, "n").status().code(), StatusCode::kInvalidArgument);
}

TEST(OutlineSecrets, AreFreshTokens) {
  OutlineBackend backend;
  fakes::FakeSecrets secrets;
  const std::string a = backend.NewSecret(secrets);
  const std::string b = backend.NewSecret(secrets);
  EXPECT_EQ(a.size(), 22u);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace vpnhub::vpn::outline
