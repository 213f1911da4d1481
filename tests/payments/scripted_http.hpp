#pragma once
// An HttpSend for a provider's unit tests: records every request and answers from a handler the
// test sets (by default 404). Thread-safe.
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/billing.hpp"
#include "payments/common/http_send.hpp"

namespace vpnhub::payments::testing {

class ScriptedHttp {
 public:
  using Handler = std::function<Result<HttpResponse>(const HttpRequest&)>;

  void Answer(Handler handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }
  HttpSend Send() {
    return [this](const HttpRequest& request) -> Result<HttpResponse> {
      Handler handler;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(request);
        handler = handler_;
      }
      if (!handler) return HttpResponse{404, "{}", {}};
      return handler(request);
    };
  }
  std::vector<HttpRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // How many requests went to a URL ending with `suffix` (before any query).
  int Count(const std::string& suffix) const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& r : requests_) {
      const std::string path = r.url.substr(0, r.url.find('?'));
      if (path.size() >= suffix.size() &&
          path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
        ++n;
      }
    }
    return n;
  }

 private:
  mutable std::mutex mu_;
  Handler handler_;
  std::vector<HttpRequest> requests_;
};

inline std::string HeaderOf(const HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

// Order 15 for 299 RUB with `provider`, payable for an hour from `now`.
inline Order MakeOrder(const std::string& provider, Time now) {
  Order o;
  o.id = 15;
  o.amount = 299;
  o.currency = "RUB";
  o.provider = provider;
  o.expires_at = now + std::chrono::hours(1);
  return o;
}

}  // namespace vpnhub::payments::testing
