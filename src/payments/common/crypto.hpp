#pragma once
// The digests, MACs and signature checks the providers' webhooks are verified with (OpenSSL
// inside crypto.cpp). Raw bytes in and out as std::string; hex is lower case.
#include <optional>
#include <string>
#include <string_view>

namespace vpnhub::payments {

std::string Sha256(std::string_view data);                            // 32 raw bytes
std::string HmacSha256(std::string_view key, std::string_view data);  // 32 raw bytes
std::string Md5Hex(std::string_view data);
std::string Sha1Hex(std::string_view data);
std::string ToHex(std::string_view bytes);
std::string Base64Encode(std::string_view bytes);
// nullopt for text that is not base64 (padding required; blanks and newlines are not skipped).
std::optional<std::string> Base64Decode(std::string_view text);
// Equal contents, compared in time that depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// `signature` (raw bytes) is an RSASSA-PKCS1-v1_5 SHA-512 signature of `data` by the key in
// `public_key_pem` (SubjectPublicKeyInfo "BEGIN PUBLIC KEY", or PKCS#1 "BEGIN RSA PUBLIC KEY").
// False for a bad signature and for a key that cannot be read.
bool RsaSha512Verify(std::string_view public_key_pem, std::string_view data,
                     std::string_view signature);
// Whether `public_key_pem` is an RSA public key RsaSha512Verify can use.
bool IsRsaPublicKey(std::string_view public_key_pem);

}  // namespace vpnhub::payments
