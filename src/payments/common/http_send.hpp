#pragma once
// How a provider over HTTP sends its requests: a function, so a provider is built on the shared
// HttpClient in production and on a scripted answer in its unit tests.
#include <functional>
#include <string>
#include <utility>

#include "core/status.hpp"
#include "payments/common/http_client.hpp"

namespace vpnhub::payments {

using HttpSend = std::function<Result<HttpResponse>(const HttpRequest&)>;

// Sends through `client` (which must outlive the function) under the metrics label `provider`.
inline HttpSend SendVia(HttpClient* client, std::string provider) {
  return [client, provider = std::move(provider)](const HttpRequest& request) {
    return client->Send(provider, request);
  };
}

}  // namespace vpnhub::payments
