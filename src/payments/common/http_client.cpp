#include "payments/common/http_client.hpp"

#include <curl/curl.h>

#include <mutex>

#include "metrics/registry.hpp"

namespace vpnhub::payments {
namespace {

constexpr std::size_t kMaxResponseBytes = 4u << 20;
constexpr std::size_t kMaxIdleHandles = 16;

bool SameIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

struct Received {
  std::string body;
  HttpHeaders headers;
  bool too_big = false;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* r = static_cast<Received*>(user);
  const std::size_t n = size * count;
  if (r->body.size() + n > kMaxResponseBytes) {
    r->too_big = true;
    return 0;
  }
  r->body.append(data, n);
  return n;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* r = static_cast<Received*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) r->headers.clear();  // a new response (after 100 Continue)
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) {
      v.remove_suffix(1);
    }
    return v;
  };
  r->headers.emplace_back(std::string(trim(line.substr(0, colon))),
                          std::string(trim(line.substr(colon + 1))));
  return n;
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// The URL without its query (which may carry a secret) for messages.
std::string ShownUrl(const std::string& url) { return url.substr(0, url.find('?')); }

}  // namespace

std::string_view HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (SameIgnoringCase(k, name)) return v;
  }
  return {};
}

struct HttpClient::Impl {
  metrics::Registry* registry = nullptr;
  std::mutex mu;
  std::vector<CURL*> idle;

  CURL* Take() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        CURL* c = idle.back();
        idle.pop_back();
        return c;
      }
    }
    return curl_easy_init();
  }
  void Give(CURL* c) {
    {
      std::lock_guard lock(mu);
      if (idle.size() < kMaxIdleHandles) {
        idle.push_back(c);
        return;
      }
    }
    curl_easy_cleanup(c);
  }
  void Count(const std::string& provider, const char* outcome, double seconds) {
    if (registry == nullptr) return;
    registry
        ->GetCounter("vpnhub_payment_api_requests_total",
                     "Requests to payment providers' APIs by outcome (ok, http_error: 5xx or "
                     "429, unreachable)",
                     {{"provider", provider}, {"outcome", outcome}})
        .Inc();
    registry
        ->GetHistogram("vpnhub_payment_api_duration_seconds",
                       "Time a payment provider's API took to answer", metrics::LatencyBuckets(),
                       {{"provider", provider}})
        .Observe(seconds);
  }
};

HttpClient::HttpClient(metrics::Registry* registry) : impl_(std::make_unique<Impl>()) {
  impl_->registry = registry;
}

HttpClient::~HttpClient() {
  for (CURL* c : impl_->idle) curl_easy_cleanup(c);
}

Result<HttpResponse> HttpClient::Send(const std::string& provider, const HttpRequest& request) {
  CURL* curl = impl_->Take();
  if (curl == nullptr) return Internal("curl_easy_init failed");
  curl_easy_reset(curl);  // keeps the handle's live connections
  Received received;
  char error[CURL_ERROR_SIZE] = {};
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  headers.reset(curl_slist_append(headers.release(), "Expect:"));
  for (const auto& [name, value] : request.headers) {
    const std::string line = name + ": " + value;
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  }
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &received);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<long long>(request.timeout.count(), 5000)));
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  if (request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    if (request.method == "PUT") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  const auto started = std::chrono::steady_clock::now();
  const CURLcode rc = curl_easy_perform(curl);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  impl_->Give(curl);
  if (rc != CURLE_OK) {
    impl_->Count(provider, "unreachable", seconds);
    if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
      return InvalidArgument(provider + ": bad URL " + ShownUrl(request.url));
    }
    const std::string why = received.too_big   ? "the answer is over 4 MB"
                            : error[0] != '\0' ? std::string(error)
                                               : std::string(curl_easy_strerror(rc));
    return Unavailable(provider + ": " + request.method + " " + ShownUrl(request.url) + ": " + why);
  }
  const bool failed = status >= 500 || status == 429;
  impl_->Count(provider, failed ? "http_error" : "ok", seconds);
  HttpResponse out;
  out.status = static_cast<int>(status);
  out.body = std::move(received.body);
  out.headers = std::move(received.headers);
  return out;
}

Status HttpError(std::string_view what, const HttpResponse& response) {
  std::string snippet = response.body.substr(0, 200);
  for (char& ch : snippet) {
    if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';
  }
  std::string message = std::string(what) + ": HTTP " + std::to_string(response.status);
  if (!snippet.empty()) message += ": " + snippet;
  const int s = response.status;
  if (s >= 500 || s == 429 || s == 408) return Unavailable(std::move(message));
  if (s == 401 || s == 403) return Status(StatusCode::kPermissionDenied, std::move(message));
  if (s == 404) return NotFound(std::move(message));
  return FailedPrecondition(std::move(message));
}

}  // namespace vpnhub::payments
