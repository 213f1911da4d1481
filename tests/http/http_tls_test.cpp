// The HTTP server in TLS mode: HTTPS works with the configured certificate, plain HTTP on the
// TLS port is closed without an answer, and the server keeps serving afterwards.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "http/raw_client.hpp"
#include "http/server.hpp"
#include "http/tls_client.hpp"

namespace vpnhub::http {
namespace {

using namespace std::chrono_literals;
using testing::RawClient;
using testing::TlsRequest;

std::string FileSha256(const std::string& pem_path) {
  FILE* f = std::fopen(pem_path.c_str(), "r");
  if (!f) return "";
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!cert) return "";
  unsigned char md[32];
  unsigned int len = 0;
  X509_digest(cert, EVP_sha256(), md, &len);
  X509_free(cert);
  std::string hex;
  char b[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(b, sizeof b, "%02x", md[i]);
    hex += b;
  }
  return hex;
}

Router TestRouter() {
  Router r;
  r.Add("GET", "/hello", [](const Request& req) { return TextResponse(200, "hello " + req.path); });
  r.Add("POST", "/echo", [](const Request& req) { return TextResponse(200, req.body); });
  r.Add("GET", "/big", [](const Request&) {
    std::string body(1 << 20, 'x');
    for (std::size_t i = 0; i < body.size(); i += 4096) body[i] = static_cast<char>('a' + i % 26);
    return TextResponse(200, body);
  });
  r.AddAsync("GET", "/later", [](Request, Responder responder) {
    std::thread([responder] { responder.Send(TextResponse(200, "later")); }).detach();
  });
  return r;
}

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vpnhub_tls_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    cert_ = (dir_ / "cert.pem").string();
    key_ = (dir_ / "key.pem").string();
    ASSERT_TRUE(testing::MakeTestCertificate(cert_, key_)) << "openssl req failed";
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Start(ServerOptions o = {}) {
    o.port = 0;
    o.threads = 1;
    o.tls_cert_file = cert_;
    o.tls_key_file = key_;
    server_ = std::make_unique<HttpServer>(o, TestRouter());
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  std::uint16_t port() const { return server_->port(); }

  std::filesystem::path dir_;
  std::string cert_, key_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(TlsServerTest, AnswersOverTlsWithTheConfiguredCertificate) {
  Start();
  auto r = TlsRequest(port(), "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello /hello");
  EXPECT_EQ(r->cert_sha256, FileSha256(cert_));
  EXPECT_EQ(r->cert_sha256.size(), 64u);
}

TEST_F(TlsServerTest, KeepAliveAndAsyncHandlersWorkOverTls) {
  Start();
  auto r = TlsRequest(port(),
                      "GET /later HTTP/1.1\r\nHost: t\r\n\r\n"
                      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
                      "Connection: close\r\n\r\nping");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // Both responses arrived on the one connection, in order.
  EXPECT_NE(r->body.find("later"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("HTTP/1.1 200 OK"), std::string::npos) << r->body;
  EXPECT_EQ(r->body.substr(r->body.size() - 4), "ping") << r->body;
}

// Regression: a response larger than a TLS record arrives whole, also on a kept-alive connection.
TEST_F(TlsServerTest, LargeResponsesArriveWhole) {
  Start();
  std::string expected(1 << 20, 'x');
  for (std::size_t i = 0; i < expected.size(); i += 4096) {
    expected[i] = static_cast<char>('a' + i % 26);
  }
  auto r = TlsRequest(port(),
                      "GET /big HTTP/1.1\r\nHost: t\r\n\r\n"
                      "GET /big HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto second = r->body.find("HTTP/1.1 200 OK");
  ASSERT_NE(second, std::string::npos) << "the second response is missing";
  // Compared as booleans: a failure must not print a megabyte.
  EXPECT_TRUE(r->body.substr(0, second) == expected)
      << "first body: " << second << " bytes; head: " << r->head;
  EXPECT_TRUE(r->body.size() >= expected.size() &&
              r->body.substr(r->body.size() - expected.size()) == expected)
      << "total " << r->body.size() << " bytes; second at " << second << ": "
      << r->body.substr(second, 200);
}

TEST_F(TlsServerTest, BodyLimitHoldsOverTls) {
  ServerOptions o;
  o.body_limit = 16;
  Start(o);
  auto r = TlsRequest(port(),
                      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 17\r\n"
                      "Connection: close\r\n\r\n01234567890123456");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(TlsServerTest, PlainHttpOnTheTlsPortIsClosedWithoutAnAnswerAndServingGoesOn) {
  Start();
  {
    RawClient c(port());
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto reply = c.Read(false, 5000ms);
    EXPECT_FALSE(reply) << "a plain request got an HTTP answer";
    EXPECT_EQ(c.pending().find("hello"), std::string::npos);
  }
  auto r = TlsRequest(port(), "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(TlsServerTest, StopClosesAnIdleTlsConnectionPromptly) {
  Start();
  RawClient idle(port());  // connected, never says hello: the server waits in the handshake
  ASSERT_TRUE(idle.connected());
  auto before = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  EXPECT_TRUE(idle.WaitClosed(2000ms));
}

TEST_F(TlsServerTest, ListenRefusesHalfOrUnreadableTlsSettings) {
  ServerOptions o;
  o.port = 0;
  o.tls_cert_file = cert_;
  EXPECT_EQ(HttpServer(o, TestRouter()).Listen().code(), StatusCode::kInvalidArgument);
  o.tls_key_file = (dir_ / "missing.pem").string();
  EXPECT_EQ(HttpServer(o, TestRouter()).Listen().code(), StatusCode::kInvalidArgument);
  o.tls_key_file = cert_;  // a certificate is not a key
  EXPECT_EQ(HttpServer(o, TestRouter()).Listen().code(), StatusCode::kInvalidArgument);
}

TEST_F(TlsServerTest, PlainModeIsUnchangedWithoutTlsSettings) {
  ServerOptions o;
  o.port = 0;
  o.threads = 1;
  server_ = std::make_unique<HttpServer>(o, TestRouter());
  ASSERT_TRUE(server_->Start().ok());
  auto r = testing::Get(port(), "/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(TlsRequest(port(), "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
}

}  // namespace
}  // namespace vpnhub::http
