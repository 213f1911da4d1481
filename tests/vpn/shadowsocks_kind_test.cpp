// What the shadowsocks kind declares: its `server add` / `server edit` flags and the settings
// they set, the setting `server list` shows, its backend and its keys' secrets.
#include "vpn/shadowsocks/shadowsocks_kind.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fakes/fake_secrets.hpp"
#include "vpn/shadowsocks/shadowsocks_backend.hpp"

namespace vpnhub::vpn::shadowsocks {
namespace {

const SettingFlag& FlagOf(const KindSpec& spec, const std::string& name) {
  for (const auto& f : spec.flags) {
    if (f.name == name) return f;
  }
  static const SettingFlag none;
  ADD_FAILURE() << "no flag " << name;
  return none;
}

TEST(ShadowsocksKind, DeclaresTheFlagsOfServerAddAndEdit) {
  const KindSpec spec = ShadowsocksKind();
  EXPECT_EQ(spec.name, "shadowsocks");
  EXPECT_EQ(spec.summary, "an ss-manager");
  EXPECT_EQ(spec.listed_setting, "manager");
  std::vector<std::string> names;
  for (const auto& f : spec.flags) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"--manager", "--ports", "--method"}));
  EXPECT_TRUE(FlagOf(spec, "--manager").required);
  EXPECT_TRUE(FlagOf(spec, "--ports").required);
  EXPECT_FALSE(FlagOf(spec, "--method").required);
  EXPECT_EQ(FlagOf(spec, "--ports").value_hint, "FROM-TO");
  EXPECT_EQ(FlagOf(spec, "--method").help, "Cipher [default: chacha20-ietf-poly1305]");
  // Only the port range can be edited (the manager and the cipher of running keys cannot move).
  EXPECT_FALSE(FlagOf(spec, "--ports").edit_help.empty());
  EXPECT_TRUE(FlagOf(spec, "--manager").edit_help.empty());
  EXPECT_TRUE(FlagOf(spec, "--method").edit_help.empty());
}

TEST(ShadowsocksKind, FlagsSetTheStoredSettings) {
  const KindSpec spec = ShadowsocksKind();
  ServerSettings settings;
  ASSERT_TRUE(FlagOf(spec, "--manager").apply("127.0.0.1:6001", settings).ok());
  ASSERT_TRUE(FlagOf(spec, "--ports").apply("20000-20009", settings).ok());
  ASSERT_TRUE(FlagOf(spec, "--method").apply("", settings).ok());  // empty: the default cipher
  EXPECT_EQ(settings,
            (ServerSettings{
                {"manager", "127.0.0.1:6001"}, {"port_from", "20000"}, {"port_to", "20009"}}));
  ASSERT_TRUE(FlagOf(spec, "--method").apply("aes-256-gcm", settings).ok());
  EXPECT_EQ(settings.at("method"), "aes-256-gcm");
}

TEST(ShadowsocksKind, APortRangeIsDigitsFromAtMostTo) {
  EXPECT_EQ(ParsePortRange("1-65535"), std::make_pair(1, 65535));
  EXPECT_EQ(ParsePortRange("8388-8388"), std::make_pair(8388, 8388));
  for (const char* bad : {"", "100", "-5-10", "5-+10", "10-5", "0-10", "1-65536", " 1-2", "1-2 ",
                          "1--2", "a-b", "123456-123457"}) {
    EXPECT_EQ(ParsePortRange(bad), std::nullopt) << bad;
  }
  ServerSettings settings;
  Status st = FlagOf(ShadowsocksKind(), "--ports").apply("100", settings);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "expected FROM-TO with 1 <= FROM <= TO <= 65535, e.g. 20000-20999, got '100'");
  EXPECT_TRUE(settings.empty());
}

TEST(ShadowsocksKind, ItsBackendChecksTheSettingsTheFlagsMake) {
  const KindSpec spec = ShadowsocksKind();
  auto backend = spec.make_backend(BackendOptions{});
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->kind(), "shadowsocks");
  Server s;
  s.kind = "shadowsocks";
  s.public_host = "vpn.example.com";
  s.capacity = 10;
  ASSERT_TRUE(FlagOf(spec, "--manager").apply("127.0.0.1:6001", s.settings).ok());
  ASSERT_TRUE(FlagOf(spec, "--ports").apply("20000-20009", s.settings).ok());
  EXPECT_TRUE(backend->ValidateSettings(s).ok());
  // What one flag's value cannot tell is the backend's to refuse.
  s.capacity = 11;
  EXPECT_EQ(backend->ValidateSettings(s).code(), StatusCode::kInvalidArgument);
  s.capacity = 10;
  ASSERT_TRUE(FlagOf(spec, "--method").apply("rc4-md5", s.settings).ok());
  EXPECT_EQ(backend->ValidateSettings(s).code(), StatusCode::kInvalidArgument);
  s.settings.erase("method");
  ASSERT_TRUE(FlagOf(spec, "--manager").apply("no-port", s.settings).ok());
  EXPECT_EQ(backend->ValidateSettings(s).code(), StatusCode::kInvalidArgument);
}

TEST(ShadowsocksKind, AKeysSecretIsItsPasswordOf22Characters) {
  ShadowsocksBackend backend;
  fakes::FakeSecrets secrets;
  const std::string a = backend.NewSecret(secrets);
  const std::string b = backend.NewSecret(secrets);
  EXPECT_EQ(a.size(), kSecretLength);
  EXPECT_EQ(kSecretLength, 22u);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace vpnhub::vpn::shadowsocks
