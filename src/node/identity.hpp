#pragma once
// The node's TLS identity and its token: a self-signed certificate the hub pins by the SHA-256 of
// its DER bytes, and 32 random bytes of bearer token. OpenSSL and libsodium stay in identity.cpp.
#include <string>

#include "core/status.hpp"

namespace vpnhub::node {

struct Identity {
  std::string cert_pem;     // self-signed, EC P-256, valid from now for 10 years
  std::string key_pem;      // PKCS#8 private key of the certificate
  std::string cert_sha256;  // lowercase hex of SHA-256 over the certificate's DER (64 chars)
};

// `common_name` goes into the subject (the node's endpoint host, for people reading it).
// kInternal when OpenSSL fails.
Result<Identity> MakeIdentity(const std::string& common_name);

// The SHA-256 fingerprint (lowercase hex) of the first certificate in `cert_pem`.
Result<std::string> CertificateSha256(const std::string& cert_pem);

// 32 random bytes as 64 lowercase hex characters.
std::string MakeToken();

}  // namespace vpnhub::node
