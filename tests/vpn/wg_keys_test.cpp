#include "vpn/wireguard/wg_keys.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>

#include "fakes/fake_secrets.hpp"

namespace vpnhub::vpn::wireguard {
namespace {

// Runs `command` through the shell and returns its standard output without the final newline;
// nullopt when it fails.
std::optional<std::string> RunShell(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string out;
  char buf[256];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  if (::pclose(pipe) != 0) return std::nullopt;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

bool HaveWg() {
  return RunShell("command -v wg >/dev/null 2>&1 && echo yes").value_or("") == "yes";
}

std::string WgPubkey(const std::string& private_key) {
  auto out = RunShell("printf '%s\\n' '" + private_key + "' | wg pubkey");
  EXPECT_TRUE(out.has_value()) << "wg pubkey failed for " << private_key;
  return out.value_or("");
}

class CountingSecrets : public ports::SecretSource {
 public:
  std::string Token(std::size_t length) override {
    std::string t = "t" + std::to_string(++n_);
    t.resize(length, 'x');
    return t;
  }
  int n_ = 0;
};

TEST(WgKeys, PublicKeysEqualWgPubkeyForKeysWeMake) {
  if (!HaveWg()) GTEST_SKIP() << "wireguard-tools (wg) is not installed";
  CountingSecrets secrets;
  for (int i = 0; i < 4; ++i) {
    Credential c = NewCredential(secrets);
    auto ours = PublicKeyOf(c.private_key);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    EXPECT_EQ(*ours, WgPubkey(c.private_key));
  }
}

TEST(WgKeys, PublicKeysEqualWgPubkeyForKeysWgMakes) {
  if (!HaveWg()) GTEST_SKIP() << "wireguard-tools (wg) is not installed";
  for (int i = 0; i < 3; ++i) {
    auto private_key = RunShell("wg genkey");
    ASSERT_TRUE(private_key.has_value());
    auto ours = PublicKeyOf(*private_key);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    EXPECT_EQ(*ours, WgPubkey(*private_key));
  }
}

TEST(WgKeys, AKnownVector) {
  // RFC 7748 section 6.1: Alice's private key and its public key.
  const std::string hex_private =
      "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
  KeyBytes priv{};
  for (std::size_t i = 0; i < kKeyBytes; ++i) {
    priv[i] = static_cast<unsigned char>(std::stoi(hex_private.substr(2 * i, 2), nullptr, 16));
  }
  EXPECT_EQ(KeyToHex(PublicKeyOf(priv)),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
}

TEST(WgKeys, PrivateKeysAreClamped) {
  KeyBytes all_ones;
  all_ones.fill(0xff);
  KeyBytes clamped = ClampPrivateKey(all_ones);
  EXPECT_EQ(clamped[0], 0xf8);
  EXPECT_EQ(clamped[31], 0x7f);
  KeyBytes zeros{};
  EXPECT_EQ(ClampPrivateKey(zeros)[31], 0x40);

  CountingSecrets secrets;
  for (int i = 0; i < 8; ++i) {
    auto key = KeyFromBase64(NewCredential(secrets).private_key);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ((*key)[0] & 7, 0);
    EXPECT_EQ((*key)[31] & 0xc0, 0x40);
  }
}

TEST(WgKeys, EveryDrawIsDistinctAndPrivateAndPresharedDiffer) {
  CountingSecrets secrets;
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    Credential c = NewCredential(secrets);
    EXPECT_NE(c.private_key, c.preshared_key);
    EXPECT_TRUE(seen.insert(c.private_key).second);
    EXPECT_TRUE(seen.insert(c.preshared_key).second);
  }
  EXPECT_EQ(secrets.n_, 100);  // one token per key
}

TEST(WgKeys, DrawsForDifferentPurposesDifferFromTheSameToken) {
  struct Same : ports::SecretSource {
    std::string Token(std::size_t length) override { return std::string(length, 'a'); }
  } same;
  EXPECT_NE(DrawKeyBytes(same, "a"), DrawKeyBytes(same, "b"));
  EXPECT_EQ(DrawKeyBytes(same, "a"), DrawKeyBytes(same, "a"));
}

TEST(WgKeys, Base64RoundTripsAndRefusesWhatIsNotAKey) {
  KeyBytes key{};
  for (std::size_t i = 0; i < kKeyBytes; ++i) key[i] = static_cast<unsigned char>(i * 7);
  const std::string text = KeyToBase64(key);
  EXPECT_EQ(text.size(), 44u);
  auto back = KeyFromBase64(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, key);
  EXPECT_FALSE(KeyFromBase64("").ok());
  EXPECT_FALSE(KeyFromBase64(text.substr(0, 43)).ok());
  EXPECT_FALSE(KeyFromBase64(text + "A").ok());
  EXPECT_FALSE(KeyFromBase64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==").ok());  // 31 bytes
  std::string bad = text;
  bad[3] = '*';
  EXPECT_FALSE(KeyFromBase64(bad).ok());
  EXPECT_EQ(KeyToHex(key).size(), 64u);
  EXPECT_EQ(KeyToHex(key).substr(0, 6), "00070e");
}

TEST(WgKeys, CredentialRoundTripsAndMessagesNeverQuoteIt) {
  fakes::FakeSecrets secrets;
  Credential c = NewCredential(secrets);
  const std::string secret = FormatCredential(c);
  EXPECT_EQ(secret.size(), 89u);
  auto back = ParseCredential(secret);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->private_key, c.private_key);
  EXPECT_EQ(back->preshared_key, c.preshared_key);

  for (const std::string& bad : {std::string("no colon"), c.private_key + ":short",
                                 "short:" + c.preshared_key, c.private_key}) {
    auto parsed = ParseCredential(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message().find(c.private_key), std::string::npos);
  }
}

}  // namespace
}  // namespace vpnhub::vpn::wireguard
