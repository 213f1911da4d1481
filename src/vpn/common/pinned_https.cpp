#include "vpn/common/pinned_https.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <mutex>

namespace vpnhub::vpn {
namespace {

constexpr std::size_t kMaxResponseBytes = 16u << 20;
constexpr const char* kMismatch = "the server's certificate does not match --cert-sha256";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string LowerHex(const unsigned char* data, unsigned int size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0f]);
  }
  return out;
}

// What one call's TLS handshake needs to see and tells back.
struct PinState {
  std::string expected;  // 64 lowercase hex digits
  bool checked = false;
  bool mismatch = false;
};

// Replaces OpenSSL's chain verification: the leaf's SHA-256 must equal the pin. Returning 0
// (with SSL_VERIFY_PEER) aborts the handshake, before the request is written.
int VerifyPinnedLeaf(X509_STORE_CTX* store, void* arg) {
  auto* state = static_cast<PinState*>(arg);
  state->checked = true;
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (leaf == nullptr || X509_digest(leaf, EVP_sha256(), md, &md_len) != 1 ||
      LowerHex(md, md_len) != state->expected) {
    state->mismatch = true;
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    return 0;
  }
  return 1;
}

CURLcode InstallPin(CURL* /*curl*/, void* ssl_ctx, void* arg) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, VerifyPinnedLeaf, arg);
  return CURLE_OK;
}

struct Body {
  std::string data;
  bool too_large = false;
};

std::size_t AppendBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* out = static_cast<Body*>(user);
  const std::size_t n = size * count;
  if (out->data.size() + n > kMaxResponseBytes) {
    out->too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  out->data.append(data, n);
  return n;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

struct UrlParts {
  std::string where;  // "host:port", for messages
  std::string path;   // secret: never in a message
};

Result<UrlParts> SplitUrl(const std::string& url) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u) return Internal("out of memory");
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return InvalidArgument("not a valid https URL");
  }
  auto part = [&](CURLUPart which, unsigned int flags) -> std::string {
    char* value = nullptr;
    if (curl_url_get(u.get(), which, &value, flags) != CURLUE_OK || value == nullptr) return "";
    std::string s(value);
    curl_free(value);
    return s;
  };
  if (part(CURLUPART_SCHEME, 0) != "https") return InvalidArgument("the URL must start https://");
  UrlParts parts;
  parts.where = part(CURLUPART_HOST, 0) + ":" + part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  parts.path = part(CURLUPART_PATH, 0);
  return parts;
}

// `message` with every occurrence of the URL's path (and the URL itself) cut out.
std::string Scrub(std::string message, const std::string& url, const std::string& path) {
  for (const std::string* secret : {&url, &path}) {
    if (secret->empty() || *secret == "/") continue;
    for (auto pos = message.find(*secret); pos != std::string::npos;
         pos = message.find(*secret, pos)) {
      message.replace(pos, secret->size(), "/...");
      pos += 4;
    }
  }
  return message;
}

// A failed transfer as a Status; `detail` is curl's message without the URL's path.
Status TransferError(CURLcode rc, const std::string& where, const std::string& detail,
                     bool too_large) {
  const std::string message = "HTTPS to " + where + ": " + detail;
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return DeadlineExceeded(message);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return InvalidArgument(message);
    case CURLE_WRITE_ERROR:
      return Unavailable(too_large ? "HTTPS to " + where + ": response too large" : message);
    default:
      return Unavailable(message);
  }
}

void GlobalInitOnce() {
  static std::once_flag once;
  // Reference-counted by libcurl: harmless next to the program's own CurlGlobal; never undone.
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

Result<std::string> ParseCertSha256(const std::string& text) {
  std::string out;
  bool previous_was_colon = true;  // a leading ':' is as wrong as a doubled one
  std::size_t digits_in_byte = 0;
  for (char c : text) {
    if (c == ':') {
      if (previous_was_colon || digits_in_byte != 2) {
        return InvalidArgument("the certificate SHA-256 has a ':' that is not between two bytes");
      }
      previous_was_colon = true;
      digits_in_byte = 0;
      continue;
    }
    if (HexValue(c) < 0) {
      return InvalidArgument(
          "the certificate SHA-256 must be 64 hex digits (':' allowed between bytes)");
    }
    if (digits_in_byte == 2) digits_in_byte = 0;  // no separators at all: "abcd..."
    ++digits_in_byte;
    previous_was_colon = false;
    out.push_back(static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c));
  }
  if (!text.empty() && text.back() == ':') {
    return InvalidArgument("the certificate SHA-256 has a ':' that is not between two bytes");
  }
  if (out.size() != 64) {
    return InvalidArgument("the certificate SHA-256 must be 64 hex digits, got " +
                           std::to_string(out.size()));
  }
  return out;
}

Result<PinnedResponse> PinnedSend(const std::string& cert_sha256, const PinnedRequest& request,
                                  std::chrono::milliseconds deadline) {
  VPNHUB_ASSIGN_OR_RETURN(const std::string pin, ParseCertSha256(cert_sha256));
  VPNHUB_ASSIGN_OR_RETURN(const UrlParts parts, SplitUrl(request.url));
  const std::string& m = request.method;
  if (m != "GET" && m != "POST" && m != "PUT" && m != "DELETE") {
    return InvalidArgument("unsupported HTTP method " + m);
  }
  if (deadline.count() <= 0) return InvalidArgument("the deadline must be positive");
  GlobalInitOnce();

  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Internal("curl_easy_init failed");
  CURL* c = curl.get();
  PinState pin_state{pin};
  Body body;
  char error_buffer[CURL_ERROR_SIZE] = {};

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next != nullptr) {
      (void)headers.release();
      headers.reset(next);
    }
  };
  for (const auto& [name, value] : request.headers) add_header(name + ": " + value);
  if (!request.body.empty()) add_header("Content-Type: application/json");
  add_header("Expect:");

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(deadline.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(deadline.count()));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_SESSIONID_CACHE, 0L);  // every handshake shows the certificate
  curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, InstallPin);
  curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, &pin_state);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (m == "POST" || !request.body.empty()) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  }
  if (m == "PUT" || m == "DELETE" || (m == "GET" && !request.body.empty())) {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m.c_str());
  }

  const CURLcode rc = curl_easy_perform(c);
  if (pin_state.mismatch) {
    return FailedPrecondition(std::string(kMismatch) + " (" + parts.where + ")");
  }
  if (rc != CURLE_OK) {
    const std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    return TransferError(rc, parts.where, Scrub(detail, request.url, parts.path), body.too_large);
  }
  if (!pin_state.checked) {
    // The handshake finished without showing us a certificate to compare: never trust that.
    return FailedPrecondition(std::string(kMismatch) + " (" + parts.where + ": not checked)");
  }
  PinnedResponse response;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(body.data);
  return response;
}

}  // namespace vpnhub::vpn
