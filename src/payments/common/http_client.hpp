#pragma once
// The HTTP client the payment providers call their APIs through (libcurl inside http_client.cpp):
// thread-safe, connections kept alive in a small pool of handles, a deadline per request, and
// per-provider metrics. Runs on worker threads only (it blocks until the answer or the deadline).
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.hpp"
#include "metrics/fwd.hpp"

namespace vpnhub::payments {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, DELETE
  std::string url;
  HttpHeaders headers;  // sent as given (Content-Type too)
  std::string body;     // sent for POST and PUT
  std::chrono::milliseconds timeout{10000};
};

struct HttpResponse {
  int status = 0;
  std::string body;
  HttpHeaders headers;

  // The first header named `name` (ASCII case-insensitive); "" when absent.
  std::string_view Header(std::string_view name) const;
};

class HttpClient {
 public:
  // `registry` (optional, must outlive the client) gets
  //   vpnhub_payment_api_requests_total{provider,outcome} (outcome: ok, http_error, unreachable)
  //   vpnhub_payment_api_duration_seconds{provider}
  explicit HttpClient(metrics::Registry* registry = nullptr);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // One request; `provider` labels the metrics. Every HTTP status comes back as a response (the
  // provider decides what it means; a 5xx or 429 counts as http_error). kUnavailable when the
  // remote cannot be reached, the TLS handshake fails or the deadline passes (the message names
  // the URL without its query), kInvalidArgument for a request curl refuses (a bad URL).
  // Responses over 4 MB are cut off as kUnavailable.
  Result<HttpResponse> Send(const std::string& provider, const HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The usual reading of a provider's non-2xx answer: kUnavailable for 5xx, 429 and 408 (try
// again later), kPermissionDenied for 401 and 403 (our credentials), kNotFound for 404,
// kFailedPrecondition for any other 4xx. `what` opens the message ("yookassa: create payment").
Status HttpError(std::string_view what, const HttpResponse& response);

}  // namespace vpnhub::payments
