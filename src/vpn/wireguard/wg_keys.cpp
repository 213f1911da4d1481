#include "vpn/wireguard/wg_keys.hpp"

#include <sodium.h>

#include <cstdlib>

namespace vpnhub::vpn::wireguard {
namespace {

constexpr std::size_t kTokenLength = 64;

void InitSodium() {
  // sodium_init is thread-safe and idempotent; a failure means no usable random or crypto at all.
  static const int rc = sodium_init();
  if (rc < 0) std::abort();
}

}  // namespace

std::string KeyToBase64(const KeyBytes& key) {
  InitSodium();
  char out[sodium_base64_ENCODED_LEN(kKeyBytes, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(out, sizeof out, key.data(), key.size(), sodium_base64_VARIANT_ORIGINAL);
  return out;
}

Result<KeyBytes> KeyFromBase64(std::string_view text) {
  InitSodium();
  KeyBytes key{};
  std::size_t len = 0;
  const char* end = nullptr;
  if (text.size() != sodium_base64_ENCODED_LEN(kKeyBytes, sodium_base64_VARIANT_ORIGINAL) - 1 ||
      sodium_base642bin(key.data(), key.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len != kKeyBytes || end != text.data() + text.size()) {
    return InvalidArgument("a WireGuard key must be the base64 of 32 bytes (44 characters)");
  }
  return key;
}

std::string KeyToHex(const KeyBytes& key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * key.size());
  for (unsigned char b : key) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0f];
  }
  return out;
}

KeyBytes ClampPrivateKey(KeyBytes raw) {
  raw[0] &= 248;
  raw[31] &= 127;
  raw[31] |= 64;
  return raw;
}

KeyBytes PublicKeyOf(const KeyBytes& private_key) {
  InitSodium();
  KeyBytes pub{};
  // Fails only for a result of all zeros, which a clamped scalar times the base point never is.
  if (crypto_scalarmult_base(pub.data(), private_key.data()) != 0) std::abort();
  return pub;
}

Result<std::string> PublicKeyOf(std::string_view private_key_base64) {
  auto key = KeyFromBase64(private_key_base64);
  if (!key.ok()) return InvalidArgument("the WireGuard private key is malformed");
  return KeyToBase64(PublicKeyOf(ClampPrivateKey(*key)));
}

KeyBytes DrawKeyBytes(ports::SecretSource& secrets, std::string_view purpose) {
  InitSodium();
  // The purpose, a zero byte, then the token: distinct purposes hash distinct inputs.
  std::string input(purpose);
  input += '\0';
  input += secrets.Token(kTokenLength);
  KeyBytes out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(input.data()),
                     input.size(), nullptr, 0);
  sodium_memzero(input.data(), input.size());
  return out;
}

Credential NewCredential(ports::SecretSource& secrets) {
  Credential c;
  c.private_key = KeyToBase64(ClampPrivateKey(DrawKeyBytes(secrets, "vpnhub wireguard private")));
  c.preshared_key = KeyToBase64(DrawKeyBytes(secrets, "vpnhub wireguard preshared"));
  return c;
}

std::string FormatCredential(const Credential& credential) {
  return credential.private_key + ":" + credential.preshared_key;
}

Result<Credential> ParseCredential(std::string_view secret) {
  const auto colon = secret.find(':');
  if (colon == std::string_view::npos) {
    return InvalidArgument(
        "a WireGuard key's secret must be \"<private key>:<preshared key>\" (base64 each)");
  }
  Credential c{std::string(secret.substr(0, colon)), std::string(secret.substr(colon + 1))};
  if (!KeyFromBase64(c.private_key).ok()) {
    return InvalidArgument("the WireGuard key's private key is not the base64 of 32 bytes");
  }
  if (!KeyFromBase64(c.preshared_key).ok()) {
    return InvalidArgument("the WireGuard key's preshared key is not the base64 of 32 bytes");
  }
  return c;
}

}  // namespace vpnhub::vpn::wireguard
