#pragma once
// WireGuard keys as `wg genkey`, `wg pubkey` and `wg genpsk` make them (X25519 over libsodium),
// and the text form of a WireGuard key's credential in Key::secret. Pure functions, no I/O;
// thread-safe.
//
// Key::secret of a WireGuard key is "<private key>:<preshared key>", both standard base64 of 32
// bytes (44 characters, '=' padded), which never contain ':'. The hub makes both; the public key
// is derived from the private key whenever it is needed and the tunnel address from the key's slot.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/ports/secrets.hpp"
#include "core/status.hpp"

namespace vpnhub::vpn::wireguard {

inline constexpr std::size_t kKeyBytes = 32;
using KeyBytes = std::array<unsigned char, kKeyBytes>;

// Standard base64 with padding (44 characters), as `wg` prints keys.
std::string KeyToBase64(const KeyBytes& key);
// kInvalidArgument unless `text` is the standard base64 of exactly 32 bytes.
Result<KeyBytes> KeyFromBase64(std::string_view text);
// 64 lowercase hex digits, as the UAPI and the node's paths write keys.
std::string KeyToHex(const KeyBytes& key);

// `raw` clamped as an X25519 private key: k[0] &= 248, k[31] &= 127, k[31] |= 64.
KeyBytes ClampPrivateKey(KeyBytes raw);
// X25519(private, 9): the public key `wg pubkey` prints for `private_key`.
KeyBytes PublicKeyOf(const KeyBytes& private_key);
// The same from and to base64; kInvalidArgument for a malformed private key.
Result<std::string> PublicKeyOf(std::string_view private_key_base64);

// 32 uniformly distributed bytes drawn from `secrets`: BLAKE2b-256 over a 64-character token
// (about 381 bits from [A-Za-z0-9]) after `purpose`, so that two draws for different purposes
// never coincide even from a source that repeats itself.
KeyBytes DrawKeyBytes(ports::SecretSource& secrets, std::string_view purpose);

// A WireGuard key's credential: what Key::secret holds.
struct Credential {
  std::string private_key;    // base64, clamped
  std::string preshared_key;  // base64
};
// A new private key (clamped) and preshared key, drawn from `secrets`.
Credential NewCredential(ports::SecretSource& secrets);
// "<private key>:<preshared key>".
std::string FormatCredential(const Credential& credential);
// The reverse of FormatCredential; kInvalidArgument (which never quotes the secret) when either
// part is not base64 of 32 bytes.
Result<Credential> ParseCredential(std::string_view secret);

}  // namespace vpnhub::vpn::wireguard
