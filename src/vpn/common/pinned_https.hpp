#pragma once
// HTTPS to a server whose self-signed certificate is pinned by the SHA-256 of its DER bytes (as
// Outline's certSha256 and `vpnhub node`): no CA, no host name check; a different certificate is
// refused before any byte of the request is sent. libcurl; thread-safe (one easy handle per call).
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/status.hpp"

namespace vpnhub::vpn {

// "AB:cd:..." or "abcd..." (64 hex digits, any case, ':' allowed between bytes) -> 64 lowercase
// hex digits; kInvalidArgument naming what is wrong otherwise.
Result<std::string> ParseCertSha256(const std::string& text);

struct PinnedRequest {
  std::string method = "GET";                                // GET, POST, PUT, DELETE
  std::string url;                                           // https://host:port/path...
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"Authorization","Bearer x"}
  std::string body;  // sent when non-empty (Content-Type: application/json added)
};

struct PinnedResponse {
  long status = 0;
  std::string body;
};

// Sends `request` to a server whose certificate has fingerprint `cert_sha256` (as returned by
// ParseCertSha256) within `deadline` (connect + whole transfer). Errors: refused / unreachable /
// DNS -> kUnavailable; deadline -> kDeadlineExceeded; a certificate with another fingerprint ->
// kFailedPrecondition "the server's certificate does not match --cert-sha256" (permanent);
// a response of any HTTP status is a success of this call (the caller classifies statuses).
// Messages never contain the URL's path (it may be secret, as Outline's API prefix is).
Result<PinnedResponse> PinnedSend(const std::string& cert_sha256, const PinnedRequest& request,
                                  std::chrono::milliseconds deadline);

}  // namespace vpnhub::vpn
