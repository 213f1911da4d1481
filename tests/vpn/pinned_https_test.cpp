// PinnedSend against a local TLS server whose self-signed certificate is made at test time with
// the openssl CLI: the right pin talks, a wrong pin is refused before the server sees a request.
#include "vpn/common/pinned_https.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "vpn/integration_support.hpp"

namespace vpnhub::vpn {
namespace {

using namespace std::chrono_literals;
using test::Clock;
using test::WaitFor;

std::string RunCapture(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  ::pclose(pipe);
  return out;
}

// A self-signed certificate and key in a fresh temporary folder, and the openssl CLI's
// "AB:CD:..." SHA-256 fingerprint of it.
struct SelfSigned {
  std::string dir, cert, key, fingerprint;

  static SelfSigned Make() {
    SelfSigned s;
    char tmpl[] = "/tmp/vpnhub_pinned_XXXXXX";
    s.dir = ::mkdtemp(tmpl);
    s.cert = s.dir + "/cert.pem";
    s.key = s.dir + "/key.pem";
    RunCapture(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
        " -subj /CN=vpnhub-test -keyout " +
        s.key + " -out " + s.cert + " 2>&1");
    const std::string out =
        RunCapture("openssl x509 -noout -fingerprint -sha256 -in " + s.cert + " 2>&1");
    const auto eq = out.find('=');
    if (eq != std::string::npos) s.fingerprint = out.substr(eq + 1, 95);
    return s;
  }
  ~SelfSigned() {
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
};

// One connection at a time: TLS handshake, read one HTTP request, answer `status` with `body`.
class TlsServer {
 public:
  TlsServer(const SelfSigned& cert, long status, std::string body)
      : status_(status), body_(std::move(body)) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (SSL_CTX_use_certificate_file(ctx_, cert.cert.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, cert.key.c_str(), SSL_FILETYPE_PEM) != 1) {
      throw std::runtime_error("cannot load the test certificate");
    }
    fd_ = test::BindLoopback(SOCK_STREAM, 0);
    ::listen(fd_, 8);
    port_ = test::BoundPort(fd_);
    thread_ = std::thread([this] { Loop(); });
  }
  ~TlsServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }

  int port() const { return port_; }
  int connections_done() const { return connections_done_; }
  int handshake_failures() const { return handshake_failures_; }
  int requests_seen() const { return requests_seen_; }
  std::string last_request() {
    std::lock_guard lock(mu_);
    return last_request_;
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      timeval tv{5, 0};
      ::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      Serve(conn);
      ::close(conn);
      ++connections_done_;
    }
  }

  void Serve(int conn) {
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, conn);
    if (SSL_accept(ssl) != 1) {
      ++handshake_failures_;
      ERR_clear_error();
      SSL_free(ssl);
      return;
    }
    std::string request;
    char buffer[4096];
    std::size_t need = std::string::npos;
    while (need == std::string::npos || request.size() < need) {
      const int n = SSL_read(ssl, buffer, sizeof buffer);
      if (n <= 0) break;
      request.append(buffer, static_cast<std::size_t>(n));
      const auto end = request.find("\r\n\r\n");
      if (end != std::string::npos && need == std::string::npos) {
        std::size_t length = 0;
        const auto cl = request.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) length = std::stoul(request.substr(cl + 16));
        need = end + 4 + length;
      }
    }
    if (!request.empty()) {
      ++requests_seen_;
      {
        std::lock_guard lock(mu_);
        last_request_ = request;
      }
      const std::string reply = "HTTP/1.1 " + std::to_string(status_) +
                                " X\r\nContent-Length: " + std::to_string(body_.size()) +
                                "\r\nConnection: close\r\n\r\n" + body_;
      SSL_write(ssl, reply.data(), static_cast<int>(reply.size()));
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
  }

  long status_;
  std::string body_;
  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_done_{0}, handshake_failures_{0}, requests_seen_{0};
  std::mutex mu_;
  std::string last_request_;
  std::thread thread_;
};

constexpr const char* kOtherPin =
    "0000000000000000000000000000000000000000000000000000000000000000";

TEST(ParseCertSha256, AcceptsColonsAndAnyCaseAndLowersIt) {
  const std::string plain = "AbCdEf0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789";
  auto r = ParseCertSha256(plain);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  std::string colons;
  for (std::size_t i = 0; i < plain.size(); i += 2) {
    if (i != 0) colons += ':';
    colons += plain.substr(i, 2);
  }
  auto c = ParseCertSha256(colons);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c, *r);
}

TEST(ParseCertSha256, RefusesWhatIsNotA32ByteHexDigest) {
  const std::string good(64, 'a');
  for (const std::string& bad :
       {std::string(), std::string(63, 'a'), std::string(66, 'a'), good.substr(0, 63) + "g",
        ":" + good, good + ":", "a:" + good.substr(1), "aa::" + good.substr(2), " " + good}) {
    auto r = ParseCertSha256(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << "'" << bad << "'";
  }
}

class PinnedHttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test::FindInPath("openssl").empty()) GTEST_SKIP() << "openssl CLI not installed";
    ASSERT_EQ(cert_.fingerprint.size(), 95u) << "openssl did not make a certificate";
  }
  std::string Url(int port, const std::string& path) {
    return "https://127.0.0.1:" + std::to_string(port) + path;
  }
  SelfSigned cert_ = SelfSigned::Make();
};

TEST_F(PinnedHttpsTest, RightPinSendsTheRequestAndReturnsAnyStatus) {
  TlsServer server(cert_, 201, R"({"id":"7"})");
  PinnedRequest request;
  request.method = "POST";
  request.url = Url(server.port(), "/SeCrEt/access-keys");
  request.headers = {{"X-Test", "yes"}};
  request.body = R"({"name":"k"})";
  auto r = PinnedSend(cert_.fingerprint, request, 5s);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, R"({"id":"7"})");
  const std::string seen = server.last_request();
  EXPECT_EQ(seen.rfind("POST /SeCrEt/access-keys HTTP/1.1\r\n", 0), 0u) << seen;
  EXPECT_NE(seen.find("X-Test: yes\r\n"), std::string::npos);
  EXPECT_NE(seen.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(seen.find("\r\n\r\n{\"name\":\"k\"}"), std::string::npos);
}

TEST_F(PinnedHttpsTest, PutDeleteAndErrorStatusesAreSuccessesOfTheCall) {
  TlsServer server(cert_, 404, "");
  for (const char* m : {"PUT", "DELETE", "GET"}) {
    const std::string method = m;
    PinnedRequest request;
    request.method = method;
    request.url = Url(server.port(), "/x/y");
    if (method == "PUT") request.body = R"({"name":"n"})";
    auto r = PinnedSend(*ParseCertSha256(cert_.fingerprint), request, 5s);
    ASSERT_TRUE(r.ok()) << method << ": " << r.status().ToString();
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(server.last_request().rfind(method + " /x/y HTTP/1.1\r\n", 0), 0u)
        << server.last_request();
  }
}

TEST_F(PinnedHttpsTest, WrongPinIsRefusedBeforeTheServerSeesAnyRequest) {
  TlsServer server(cert_, 200, "secret reply");
  PinnedRequest request;
  request.url = Url(server.port(), "/SeCrEtPaTh/server");
  auto r = PinnedSend(kOtherPin, request, 5s);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  EXPECT_NE(r.status().message().find("does not match --cert-sha256"), std::string::npos);
  EXPECT_EQ(r.status().message().find("SeCrEtPaTh"), std::string::npos);
  EXPECT_FALSE(r.status().retryable());
  ASSERT_TRUE(WaitFor([&] { return server.connections_done() == 1; }, 5000ms));
  EXPECT_EQ(server.requests_seen(), 0);
  EXPECT_EQ(server.handshake_failures(), 1);
  EXPECT_EQ(server.last_request(), "");
}

TEST_F(PinnedHttpsTest, AnotherCertificateWithTheSameNameIsRefusedToo) {
  SelfSigned other = SelfSigned::Make();
  ASSERT_EQ(other.fingerprint.size(), 95u);
  ASSERT_NE(other.fingerprint, cert_.fingerprint);
  TlsServer server(other, 200, "");
  PinnedRequest request;
  request.url = Url(server.port(), "/p");
  auto r = PinnedSend(cert_.fingerprint, request, 5s);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  ASSERT_TRUE(WaitFor([&] { return server.connections_done() == 1; }, 5000ms));
  EXPECT_EQ(server.requests_seen(), 0);
}

TEST_F(PinnedHttpsTest, ClosedPortIsUnavailableAndTheMessageHidesThePath) {
  PinnedRequest request;
  request.url = Url(test::FreePort(SOCK_STREAM), "/SeCrEtPaTh/server");
  auto r = PinnedSend(cert_.fingerprint, request, 5s);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_TRUE(r.status().retryable());
  EXPECT_EQ(r.status().message().find("SeCrEtPaTh"), std::string::npos) << r.status().message();
}

TEST_F(PinnedHttpsTest, ServerThatNeverAnswersIsDeadlineExceededWithinTheDeadline) {
  // Listens (the kernel completes the TCP handshake) but never accepts nor speaks TLS.
  const int fd = test::BindLoopback(SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  ::listen(fd, 8);
  PinnedRequest request;
  request.url = Url(test::BoundPort(fd), "/SeCrEtPaTh/server");
  const auto start = Clock::now();
  auto r = PinnedSend(cert_.fingerprint, request, 400ms);
  const auto took = Clock::now() - start;
  ::close(fd);
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_GE(took, 350ms);
  EXPECT_LT(took, 2400ms);
  EXPECT_EQ(r.status().message().find("SeCrEtPaTh"), std::string::npos);
}

TEST(PinnedSend, RefusesPlainHttpAndABadPin) {
  PinnedRequest request;
  request.url = "http://127.0.0.1:1/x";
  EXPECT_EQ(PinnedSend(kOtherPin, request, 1s).status().code(), StatusCode::kInvalidArgument);
  request.url = "https://127.0.0.1:1/x";
  EXPECT_EQ(PinnedSend("abc", request, 1s).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vpnhub::vpn
