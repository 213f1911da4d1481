#include "http/server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/raw_client.hpp"
#include "metrics/registry.hpp"

namespace vpnhub::http {
namespace {

using testing::Get;
using testing::RawClient;
using namespace std::chrono_literals;

Router EchoRouter() {
  Router r;
  r.Add("GET", "/hello", [](const Request& req) {
    Response resp;
    resp.body = "method=" + req.method + " path=" + req.path + " query=" + req.query +
                " route=" + req.route + " agent=" + std::string(req.Header("user-agent")) +
                " ip=" + req.remote_ip;
    return resp;
  });
  r.Add("POST", "/echo", [](const Request& req) {
    Response resp;
    resp.content_type = "application/octet-stream";
    resp.body = req.body;
    return resp;
  });
  r.Add("PUT", "/echo", [](const Request&) { return TextResponse(204, ""); });
  r.Add("GET", "/sub/*", [](const Request& req) { return TextResponse(200, "sub " + req.path); });
  r.Add("GET", "/sub/special", [](const Request&) { return TextResponse(200, "special"); });
  r.Add("GET", "/throw", [](const Request&) -> Response { throw std::runtime_error("boom"); });
  r.Add("GET", "/inject", [](const Request&) {
    Response resp;
    resp.body = "x";
    resp.headers = {{"X-Good", "yes"},
                    {"X-Bad", "a\r\nSet-Cookie: evil=1"},
                    {"Content-Length", "999"},
                    {"Bad Name", "v"}};
    return resp;
  });
  return r;
}

class ServerTest : public ::testing::Test {
 protected:
  void StartWith(Router router, ServerOptions o = {}) {
    o.port = 0;
    server_ = std::make_unique<HttpServer>(o, std::move(router), &registry_);
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
    ASSERT_NE(server_->port(), 0);
  }
  std::uint16_t port() const { return server_->port(); }

  metrics::Registry registry_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(ServerTest, ServesARouteWithPathQueryAndHeaders) {
  StartWith(EchoRouter());
  RawClient c(port());
  ASSERT_TRUE(c.Send("GET /hello?a=1&b=2 HTTP/1.1\r\nHost: x\r\nUSER-AGENT: gtest\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->reason, "OK");
  EXPECT_EQ(r->body, "method=GET path=/hello query=a=1&b=2 route=/hello agent=gtest ip=127.0.0.1");
  EXPECT_EQ(r->Header("Content-Length"), std::to_string(r->body.size()));
  EXPECT_EQ(r->Header("Server"), "vpnhub");
  EXPECT_EQ(r->Header("Content-Type"), "text/plain; charset=utf-8");
  ASSERT_TRUE(r->Header("Date"));
  EXPECT_NE(r->Header("Date")->find(" GMT"), std::string::npos);
  EXPECT_FALSE(r->Header("Connection"));  // HTTP/1.1 keep-alive is the default
}

TEST_F(ServerTest, KeepAliveServesSequentialAndPipelinedRequests) {
  StartWith(EchoRouter());
  RawClient c(port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.Send("GET /sub/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->body, "sub /sub/" + std::to_string(i));
  }
  ASSERT_TRUE(
      c.Send("GET /sub/a HTTP/1.1\r\nHost: x\r\n\r\nGET /sub/b HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto a = c.Read();
  auto b = c.Read();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, "sub /sub/a");
  EXPECT_EQ(b->body, "sub /sub/b");
}

TEST_F(ServerTest, ConnectionCloseAndHttp10CloseAfterTheResponse) {
  StartWith(EchoRouter());
  {
    RawClient c(port());
    ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->Header("Connection"), "close");
    EXPECT_TRUE(c.WaitClosed());
  }
  {
    RawClient c(port());
    ASSERT_TRUE(c.Send("GET /hello HTTP/1.0\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(c.WaitClosed());
  }
  {
    RawClient c(port());
    ASSERT_TRUE(c.Send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->Header("Connection"), "keep-alive");
    ASSERT_TRUE(c.Send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    EXPECT_TRUE(c.Read());
  }
}

TEST_F(ServerTest, HeadAnswersGetRoutesWithoutABody) {
  StartWith(EchoRouter());
  RawClient c(port());
  ASSERT_TRUE(c.Send("HEAD /sub/x HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto h = c.Read(/*head_request=*/true);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(h->Header("Content-Length"), "10");  // size of "sub /sub/x"
  // The next response on the same connection starts right away: no stray body bytes.
  ASSERT_TRUE(c.Send("GET /sub/y HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto g = c.Read();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->status, 200);
  EXPECT_EQ(g->body, "sub /sub/y");
}

TEST_F(ServerTest, UnknownPathIs404) {
  StartWith(EchoRouter());
  auto r = Get(port(), "/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

TEST_F(ServerTest, KnownPathWithAnotherMethodIs405WithAllow) {
  StartWith(EchoRouter());
  RawClient c(port());
  ASSERT_TRUE(c.Send("DELETE /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("Allow"), "POST, PUT");
  ASSERT_TRUE(c.Send("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("Allow"), "GET, HEAD");
}

TEST_F(ServerTest, ExactPatternBeatsPrefix) {
  StartWith(EchoRouter());
  auto r = Get(port(), "/sub/special");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "special");
  r = Get(port(), "/sub/special/more");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "sub /sub/special/more");
}

TEST_F(ServerTest, BodiesReachTheHandlerWithContentLengthAndChunked) {
  StartWith(EchoRouter());
  RawClient c(port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
  EXPECT_EQ(r->Header("Content-Type"), "application/octet-stream");
  ASSERT_TRUE(
      c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello world");
}

TEST_F(ServerTest, NoContentHasNoBodyOrLength) {
  StartWith(EchoRouter());
  RawClient c(port());
  ASSERT_TRUE(c.Send("PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_FALSE(r->Header("Content-Length"));
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, ExpectContinueGets100ThenTheResponse) {
  StartWith(EchoRouter());
  RawClient c(port());
  ASSERT_TRUE(c.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  auto cont = c.Read();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.Send("data"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "data");
}

TEST_F(ServerTest, UnsafeOrReservedResponseHeadersAreDropped) {
  StartWith(EchoRouter());
  auto r = Get(port(), "/inject");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("X-Good"), "yes");
  EXPECT_FALSE(r->Header("X-Bad"));
  EXPECT_FALSE(r->Header("Set-Cookie"));
  EXPECT_EQ(r->Header("Content-Length"), "1");
  EXPECT_EQ(r->body, "x");
}

TEST_F(ServerTest, OversizedHeaderIs431AndTheServerKeepsServing) {
  StartWith(EchoRouter());
  {
    RawClient c(port());
    std::string big =
        "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20 * 1024, 'a') + "\r\n\r\n";
    c.Send(big);  // the server may close before it has all of it
    auto r = c.Read();
    if (r) {
      EXPECT_EQ(r->status, 431);
    }
    EXPECT_TRUE(c.WaitClosed());
  }
  auto r = Get(port(), "/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, OversizedBodyIs413) {
  ServerOptions o;
  o.body_limit = 1024;
  StartWith(EchoRouter(), o);
  {
    RawClient c(port());
    ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(r->Header("Connection"), "close");
    EXPECT_TRUE(c.WaitClosed());
  }
  {
    RawClient c(port());
    std::string chunk(800, 'z');
    ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
    ASSERT_TRUE(c.Send("320\r\n" + chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_TRUE(c.WaitClosed());
  }
  auto r = Get(port(), "/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, GarbageIs400AndTheServerStaysUp) {
  StartWith(EchoRouter());
  for (std::string garbage :
       {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
        std::string("HELLO THERE\r\n\r\n"), std::string("GET /hello HTTP/9.9\r\n\r\n"),
        std::string("GET /hello HTTP/1.1\r\nBad Header\r\n\r\n")}) {
    RawClient c(port());
    c.Send(garbage);
    auto r = c.Read();
    if (r) {
      EXPECT_EQ(r->status, 400) << garbage;
    }
    EXPECT_TRUE(c.WaitClosed()) << garbage;
  }
  auto r = Get(port(), "/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, SilentClientIsClosedAfterReadTimeout) {
  ServerOptions o;
  o.read_timeout = 1s;
  StartWith(EchoRouter(), o);
  RawClient c(port());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.WaitClosed(5000ms));
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 4000ms);
  // An idle keep-alive connection gets the same treatment.
  RawClient k(port());
  ASSERT_TRUE(k.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(k.Read());
  EXPECT_TRUE(k.WaitClosed(5000ms));
}

TEST_F(ServerTest, ThrowingHandlerGives500AndIsCounted) {
  StartWith(EchoRouter());
  RawClient c(port());
  ASSERT_TRUE(c.Send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(server_->handler_exceptions(), 1u);
  EXPECT_EQ(registry_.GetCounter("vpnhub_http_handler_exceptions_total", "", {{"route", "/throw"}})
                .Value(),
            1);
}

TEST_F(ServerTest, RequestMetricsByRouteAndCode) {
  StartWith(EchoRouter());
  RawClient c(port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(c.Read());
  }
  ASSERT_TRUE(c.Send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.Read());
  ASSERT_TRUE(c.Send("GET /sub/zzz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.Read());
  // The response is on the wire before the write completion records it: wait with a deadline.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  auto& sub = registry_.GetCounter("vpnhub_http_requests_total", "",
                                   {{"route", "/sub/*"}, {"code", "200"}});
  while (sub.Value() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(
      registry_.GetCounter("vpnhub_http_requests_total", "", {{"route", "/hello"}, {"code", "200"}})
          .Value(),
      3);
  EXPECT_EQ(
      registry_
          .GetCounter("vpnhub_http_requests_total", "", {{"route", "unmatched"}, {"code", "404"}})
          .Value(),
      1);
  EXPECT_EQ(sub.Value(), 1);
  std::string text = registry_.Render();
  EXPECT_NE(text.find("vpnhub_http_request_duration_seconds_count{route=\"/hello\"} 3"),
            std::string::npos)
      << text;
}

// A dashboard's error ratio needs its series before the first request and the first failure.
TEST_F(ServerTest, RequestSeriesExistAtZeroFromTheStart) {
  StartWith(EchoRouter());
  const std::string text = registry_.Render();
  for (const char* series : {"vpnhub_http_requests_total{route=\"/hello\",code=\"200\"} 0\n",
                             "vpnhub_http_requests_total{route=\"/hello\",code=\"500\"} 0\n",
                             "vpnhub_http_requests_total{route=\"unmatched\",code=\"404\"} 0\n",
                             "vpnhub_http_handler_exceptions_total{route=\"/hello\"} 0\n"}) {
    EXPECT_NE(text.find(series), std::string::npos) << series << text;
  }
}

TEST_F(ServerTest, AsyncHandlerAnswersFromAnotherThread) {
  std::vector<std::thread> threads;
  std::mutex mu;
  Router r;
  r.AddAsync("GET", "/slow", [&](Request req, Responder responder) {
    std::lock_guard lock(mu);
    threads.emplace_back([req = std::move(req), responder] {
      std::this_thread::sleep_for(20ms);
      responder.Send(TextResponse(202, "later " + req.query));
      responder.Send(TextResponse(500, "ignored second send"));
    });
  });
  r.AddAsync("GET", "/dropped", [](Request, Responder) {});
  r.AddAsync("GET", "/async-throw", [](Request, Responder) { throw std::runtime_error("x"); });
  StartWith(std::move(r));
  RawClient c(port());
  ASSERT_TRUE(c.Send("GET /slow?n=1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto resp = c.Read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 202);
  EXPECT_EQ(resp->body, "later n=1");
  ASSERT_TRUE(c.Send("GET /dropped HTTP/1.1\r\nHost: x\r\n\r\n"));
  resp = c.Read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 500);
  ASSERT_TRUE(c.Send("GET /async-throw HTTP/1.1\r\nHost: x\r\n\r\n"));
  resp = c.Read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 500);
  EXPECT_EQ(server_->handler_exceptions(), 1u);
  // Still usable after all that.
  ASSERT_TRUE(c.Send("GET /slow?n=2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  resp = c.Read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->body, "later n=2");
  for (auto& t : threads) t.join();
}

TEST_F(ServerTest, ResponderUsedAfterStopIsHarmless) {
  std::promise<Responder> got;
  Router r;
  r.AddAsync("GET", "/hang", [&](Request, Responder responder) { got.set_value(responder); });
  ServerOptions o;
  o.stop_grace = 100ms;
  StartWith(std::move(r), o);
  RawClient c(port());
  ASSERT_TRUE(c.Send("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n"));
  Responder responder = got.get_future().get();
  auto t0 = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  responder.Send(TextResponse(200, "too late"));
  server_.reset();
  responder.Send(TextResponse(200, "much too late"));
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerTest, ManyClientsAcrossThreads) {
  ServerOptions o;
  o.threads = 3;
  StartWith(EchoRouter(), o);
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      for (int conn = 0; conn < 5; ++conn) {
        RawClient c(port());
        for (int i = 0; i < 20; ++i) {
          std::string path = "/sub/" + std::to_string(t) + "-" + std::to_string(i);
          if (!c.Send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")) return;
          auto r = c.Read();
          if (r && r->status == 200 && r->body == "sub " + path) ++ok;
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 8 * 5 * 20);
}

TEST_F(ServerTest, StopClosesIdleConnectionsPromptlyAndTwiceIsFine) {
  StartWith(EchoRouter());
  RawClient idle(port());
  ASSERT_TRUE(idle.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.Read());
  RawClient silent(port());
  auto t0 = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(idle.WaitClosed(1000ms));
  EXPECT_TRUE(silent.WaitClosed(1000ms));
  server_->Stop();
  RawClient after(port());
  EXPECT_FALSE(after.connected());
}

TEST(HttpServerLifecycle, StopWithoutStartAndDestroyAfterStop) {
  HttpServer never(ServerOptions{}, Router{});
  never.Stop();
  never.Stop();
  ServerOptions o;
  o.port = 0;
  HttpServer s(o, Router{});
  ASSERT_TRUE(s.Start().ok());
  EXPECT_EQ(s.Start().code(), StatusCode::kFailedPrecondition);
  s.Stop();
  s.Stop();
}

TEST(HttpServerLifecycle, PortTakenByAPlainSocketIsAnError) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ServerOptions o;
  o.port = ntohs(addr.sin_port);
  HttpServer s(o, Router{});
  Status st = s.Start();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_NE(st.message().find("in use"), std::string::npos) << st.message();
  ::close(fd);
}

TEST(HttpServerLifecycle, PortTakenByAnotherServerIsAnError) {
  ServerOptions o;
  o.port = 0;
  HttpServer first(o, Router{});
  ASSERT_TRUE(first.Start().ok());
  o.port = first.port();
  HttpServer second(o, Router{});
  EXPECT_EQ(second.Start().code(), StatusCode::kUnavailable);
  // The first one is unaffected.
  auto r = Get(first.port(), "/x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

// serve binds the port before any other role starts (a taken port fails before the bot talks
// to Telegram) and serves once the others run.
TEST(HttpServerLifecycle, ListenHoldsThePortAndStartServesIt) {
  ServerOptions o;
  o.port = 0;
  Router router;
  router.Add("GET", "/x", [](const Request&) { return TextResponse(200, "x"); });
  HttpServer s(o, std::move(router));
  ASSERT_TRUE(s.Listen().ok());
  ASSERT_NE(s.port(), 0);
  EXPECT_EQ(s.Listen().code(), StatusCode::kFailedPrecondition);
  o.port = s.port();
  HttpServer other(o, Router{});
  EXPECT_EQ(other.Listen().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(s.Start().ok());
  auto r = Get(s.port(), "/x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(s.Start().code(), StatusCode::kFailedPrecondition);
  s.Stop();
}

TEST(HttpServerLifecycle, ListenWithoutStartReleasesThePort) {
  ServerOptions o;
  o.port = 0;
  std::uint16_t port = 0;
  {
    HttpServer s(o, Router{});
    ASSERT_TRUE(s.Listen().ok());
    port = s.port();
    s.Stop();
  }
  o.port = port;
  HttpServer again(o, Router{});
  EXPECT_TRUE(again.Start().ok());
}

TEST(HttpServerLifecycle, BadHostIsInvalidArgument) {
  ServerOptions o;
  o.port = 0;
  o.host = "no-such-host.invalid";
  HttpServer s(o, Router{});
  EXPECT_EQ(s.Start().code(), StatusCode::kInvalidArgument);
}

TEST(HttpServerLifecycle, ListensOnIpv6Loopback) {
  ServerOptions o;
  o.port = 0;
  o.host = "::1";
  HttpServer s(o, Router{});
  Status st = s.Start();
  if (!st.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << st.ToString();
  int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  addr.sin6_port = htons(s.port());
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
}

}  // namespace
}  // namespace vpnhub::http
