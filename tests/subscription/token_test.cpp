// Subscription tokens: a token verifies only for its own person at its own version, with the key
// that signed it; every byte of it counts; anything that is not exactly a token is refused.
#include "subscription/token.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vpnhub::subscription {
namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef-signing";

TEST(TokenTest, ATokenVerifiesForItsPersonAndVersionOnly) {
  TokenSigner signer(kKey);
  const std::string t = signer.Token(42, 3);
  EXPECT_EQ(t.size(), kTokenLength);
  EXPECT_EQ(TokenSigner::ClaimedPerson(t), 42);
  EXPECT_TRUE(signer.Verify(t, 42, 3));
  EXPECT_FALSE(signer.Verify(t, 42, 2));  // an old version
  EXPECT_FALSE(signer.Verify(t, 42, 4));
  EXPECT_FALSE(signer.Verify(t, 43, 3));  // another person
  EXPECT_NE(signer.Token(42, 3), signer.Token(43, 3));
  EXPECT_EQ(signer.Token(42, 3), TokenSigner(kKey).Token(42, 3));  // stable across instances
}

TEST(TokenTest, AnotherKeyMakesAnotherToken) {
  TokenSigner a(kKey);
  TokenSigner b(kKey + "x");
  EXPECT_FALSE(b.Verify(a.Token(42, 0), 42, 0));
}

TEST(TokenTest, EveryTamperedCharacterIsRefused) {
  TokenSigner signer(kKey);
  const std::string t = signer.Token(7, 1);
  for (std::size_t i = 0; i < t.size(); ++i) {
    for (char c : std::string("AQgw_-9z")) {
      if (c == t[i]) continue;
      std::string bad = t;
      bad[i] = c;
      const auto person = TokenSigner::ClaimedPerson(bad);
      EXPECT_FALSE(person && signer.Verify(bad, *person, 1)) << "position " << i << " -> " << c;
      EXPECT_FALSE(signer.Verify(bad, 7, 1)) << "position " << i << " -> " << c;
    }
  }
}

TEST(TokenTest, AnotherPersonsTokenWithItsIdSwappedIsRefused) {
  TokenSigner signer(kKey);
  const std::string mine = signer.Token(1, 0);
  const std::string theirs = signer.Token(2, 0);
  // The id part of one token with the MAC part of the other: neither person's.
  const std::string spliced = theirs.substr(0, 11) + mine.substr(11);
  const auto person = TokenSigner::ClaimedPerson(spliced);
  EXPECT_FALSE(person && signer.Verify(spliced, *person, 0));
  EXPECT_FALSE(signer.Verify(spliced, 1, 0));
  EXPECT_FALSE(signer.Verify(spliced, 2, 0));
}

TEST(TokenTest, MalformedTokensNameNobody) {
  TokenSigner signer(kKey);
  const std::string t = signer.Token(9, 0);
  for (const std::string& bad :
       {std::string(), t.substr(1), t + "A", t + "=", std::string(kTokenLength, '!'),
        t.substr(0, kTokenLength - 1) + "+", t.substr(0, kTokenLength - 1) + "/",
        std::string(kTokenLength, 'A') /* person 0 */, t.substr(0, 20) + "." + t.substr(21)}) {
    EXPECT_FALSE(TokenSigner::ClaimedPerson(bad)) << bad;
    EXPECT_FALSE(signer.Verify(bad, 9, 0)) << bad;
  }
  // The last character carries 2 unused bits: a token with them set does not decode canonically.
  std::string noncanonical = t;
  noncanonical.back() = noncanonical.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(signer.Verify(noncanonical, 9, 0));
}

TEST(TokenTest, TheUrlIsTheBaseAndTheToken) {
  EXPECT_EQ(SubscriptionUrl("", kKey, 1, 0), "");
  EXPECT_EQ(SubscriptionUrl("https://sub.example.com", kKey, 1, 0),
            "https://sub.example.com/sub/" + TokenSigner(kKey).Token(1, 0));
}

}  // namespace
}  // namespace vpnhub::subscription
