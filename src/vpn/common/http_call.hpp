#pragma once
// One HTTP(S) request with libcurl, for the panels' web APIs (amnezia-wg-easy, 3x-ui, Marzban,
// Remnawave): a fresh curl handle per call (thread-safe), no redirects followed, only http and
// https. Every HTTP status is a reply; only the transport fails:
//   unreachable, refused, TLS failure, an answer longer than the limit -> kUnavailable;
//   no answer within the deadline -> kDeadlineExceeded (both retryable);
//   a malformed URL or a scheme other than http(s) -> kInvalidArgument.
// Messages start "METHOD URL: " (callers whose URL holds a secret path rewrite them); headers and
// bodies never appear in them.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace vpnhub::vpn {

// One HTTP exchange.
struct HttpReply {
  long status = 0;
  std::string body;
  std::vector<std::string> set_cookies;  // every Set-Cookie value, as sent
};

// The largest answer HttpCall takes unless told otherwise.
inline constexpr std::size_t kMaxReplyBytes = 4u << 20;

// One request to `url` within `deadline` (connect and transfer). `headers` are "Name: value"
// lines; `body` is sent when non-empty. No redirects are followed. Errors as above for the
// transport; an answer longer than `max_reply_bytes` is kUnavailable; every HTTP status is a
// reply.
Result<HttpReply> HttpCall(const std::string& method, const std::string& url,
                           const std::vector<std::string>& headers, const std::string& body,
                           std::chrono::milliseconds deadline,
                           std::size_t max_reply_bytes = kMaxReplyBytes);

}  // namespace vpnhub::vpn
