#include "subscription/token.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace vpnhub::subscription {
namespace {

constexpr std::string_view kDomain = "vpnhub-sub-v1";
constexpr std::size_t kIdBytes = 8;
constexpr std::size_t kRawBytes = kIdBytes + crypto_auth_hmacsha256_BYTES;

void PutBigEndian(std::uint64_t v, unsigned char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<unsigned char>(v & 0xff);
    v >>= 8;
  }
}

}  // namespace

TokenSigner::TokenSigner(std::string key) : key_(std::move(key)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
}

std::string TokenSigner::Token(Id person, std::int64_t version) const {
  std::array<unsigned char, kRawBytes> raw{};
  PutBigEndian(static_cast<std::uint64_t>(person), raw.data());
  std::array<unsigned char, kIdBytes> ver{};
  PutBigEndian(static_cast<std::uint64_t>(version), ver.data());
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key_.data()),
                              key_.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(kDomain.data()),
                                kDomain.size());
  crypto_auth_hmacsha256_update(&st, raw.data(), kIdBytes);
  crypto_auth_hmacsha256_update(&st, ver.data(), ver.size());
  crypto_auth_hmacsha256_final(&st, raw.data() + kIdBytes);
  sodium_memzero(&st, sizeof st);
  std::string out(sodium_base64_ENCODED_LEN(kRawBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(kTokenLength);
  return out;
}

std::optional<Id> TokenSigner::ClaimedPerson(std::string_view token) {
  if (token.size() != kTokenLength) return std::nullopt;
  std::array<unsigned char, kRawBytes> raw{};
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(raw.data(), raw.size(), token.data(), token.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      len != kRawBytes || end != token.data() + token.size()) {
    return std::nullopt;
  }
  std::uint64_t id = 0;
  for (std::size_t i = 0; i < kIdBytes; ++i) id = (id << 8) | raw[i];
  if (id == 0 || id > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<Id>(id);
}

bool TokenSigner::Verify(std::string_view token, Id person, std::int64_t version) const {
  if (token.size() != kTokenLength) return false;
  const std::string expected = Token(person, version);
  return sodium_memcmp(expected.data(), token.data(), kTokenLength) == 0;
}

std::string SubscriptionUrl(std::string_view base, const std::string& signing_key, Id person,
                            std::int64_t version) {
  if (base.empty()) return "";
  return std::string(base) + "/sub/" + TokenSigner(signing_key).Token(person, version);
}

}  // namespace vpnhub::subscription
