#pragma once
// Subscription tokens (issue 18): `<base>/sub/<token>` names one person's subscription. The token
// is base64url (no padding) of the person's id (8 bytes, big-endian) followed by
// HMAC-SHA256(signing key, "vpnhub-sub-v1" || id || version), the version being the person's
// User::sub_version: bumping it makes every older token of theirs stop matching. libsodium
// inside token.cpp; nothing of it leaks into this header. Thread-safe (const after construction).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/domain.hpp"

namespace vpnhub::subscription {

inline constexpr std::size_t kMinSigningKeyLength = 32;
inline constexpr std::size_t kTokenLength = 54;  // base64url of 8 + 32 bytes, no padding

class TokenSigner {
 public:
  // `key`: at least kMinSigningKeyLength bytes (checked by the configuration).
  explicit TokenSigner(std::string key);

  // The token of `person` at `version`.
  std::string Token(Id person, std::int64_t version) const;
  // The person a token names, read without checking its signature; nullopt when it is not
  // kTokenLength characters of base64url that decode canonically to a positive id and a MAC.
  static std::optional<Id> ClaimedPerson(std::string_view token);
  // True when `token` is exactly Token(person, version); compared in constant time.
  bool Verify(std::string_view token, Id person, std::int64_t version) const;

 private:
  std::string key_;
};

// `<base>/sub/<token>` of `person` at `version`; "" when `base` is empty (links are off).
std::string SubscriptionUrl(std::string_view base, const std::string& signing_key, Id person,
                            std::int64_t version);

}  // namespace vpnhub::subscription
