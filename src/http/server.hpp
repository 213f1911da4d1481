#pragma once
// An HTTP/1.1 server, plain or over TLS (Boost.Beast and OpenSSL inside server.cpp; nothing of
// them leaks into this header) and the tiny router it dispatches to.
//
// Threading: ServerOptions::threads io threads, each with its own io_context and its own
// SO_REUSEPORT acceptor; a connection lives on one thread for its whole life. Handlers run on
// that io thread and must not block (no database round trips, no remote calls): use AddAsync
// and answer from a worker thread for anything slow.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.hpp"
#include "metrics/fwd.hpp"

namespace vpnhub::ports {
class EventLog;
}

namespace vpnhub::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;     // as sent, e.g. "GET"
  std::string target;     // as sent: path plus "?query"
  std::string path;       // target up to '?', not percent-decoded
  std::string query;      // after '?', without it; empty if none
  std::string body;       // whole body (at most ServerOptions::body_limit bytes)
  Headers headers;        // in arrival order, names as sent
  std::string route;      // the pattern that matched, e.g. "/sub/*"
  std::string remote_ip;  // peer address of the connection, e.g. "127.0.0.1"

  // The first header with this name (ASCII case-insensitive); empty when absent.
  std::string_view Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Extra headers. The server writes Server, Date, Content-Type, Content-Length and Connection
  // itself and drops those names here, as well as any header whose name or value would break the
  // framing (CR, LF, non-token name characters).
  Headers headers;
};

// A plain-text response: `status` with `body`.
Response TextResponse(int status, std::string body);

// Runs on an io thread: must not block. An exception escaping it becomes a 500.
using Handler = std::function<Response(const Request&)>;

// Completes one request answered by an AsyncHandler. Copyable; Send may be called from any
// thread, and only the first Send counts. If every copy is destroyed without a Send, the client
// gets a 500. Sends after the server has stopped are dropped.
class Responder {
 public:
  struct State;
  explicit Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}
  void Send(Response response) const;

 private:
  std::shared_ptr<State> state_;
};

// Runs on an io thread and must return quickly; it may hand the request and the responder to
// another thread and answer later.
using AsyncHandler = std::function<void(Request request, Responder responder)>;

// Maps (method, path) to a handler. Patterns are exact paths ("/healthz") or prefixes ending in
// '*' ("/sub/*" matches "/sub/" and everything below it; the longest prefix wins; an exact
// pattern beats any prefix). A GET route also answers HEAD (without the body) unless HEAD is
// registered explicitly. Not thread-safe while being built; read-only once handed to the server.
class Router {
 public:
  // Registering the same method and pattern twice replaces the first handler.
  void Add(std::string method, std::string pattern, Handler handler);
  void AddAsync(std::string method, std::string pattern, AsyncHandler handler);

  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed };
    Kind kind = Kind::kNotFound;
    int route_id = -1;                 // index into patterns(); -1 when not found
    const Handler* handler = nullptr;  // exactly one of handler / async_handler when found
    const AsyncHandler* async_handler = nullptr;
    std::string allow;  // for kMethodNotAllowed: "GET, HEAD"
  };
  Match Find(std::string_view method, std::string_view path) const;

  // Registered patterns; a route id indexes this list.
  std::vector<std::string> patterns() const;

 private:
  struct Entry {
    std::string method;
    Handler handler;
    AsyncHandler async_handler;
  };
  struct Route {
    std::string pattern;
    bool prefix = false;
    std::vector<Entry> entries;
  };
  void AddEntry(std::string method, std::string pattern, Handler handler, AsyncHandler async);
  Match MatchRoute(int route_id, std::string_view method) const;

  std::vector<Route> routes_;
  std::vector<int> exact_;   // route ids of exact patterns, sorted by pattern
  std::vector<int> prefix_;  // route ids of prefix patterns, longest first
};

struct ServerOptions {
  std::string host = "127.0.0.1";         // an IP address (IPv6 without brackets) or a host name
  std::uint16_t port = 8080;              // 0 = an ephemeral port; read it back with port()
  int threads = 2;                        // <= 0: one per hardware thread
  std::size_t header_limit = 8 * 1024;    // request line + headers; more -> 431
  std::size_t body_limit = 64 * 1024;     // more -> 413
  std::chrono::seconds read_timeout{10};  // per read and per write; idle keep-alive too
  std::chrono::milliseconds stop_grace{3000};  // Stop() waits this long for in-flight requests
  int listen_backlog = 4096;
  // TLS: with both set, every connection is HTTPS (TLS 1.2 or newer) with this PEM certificate
  // (chain) and PEM private key, read at Listen; the handshake shares read_timeout. Both empty:
  // plain HTTP. One without the other, or files that do not load: kInvalidArgument at Listen.
  std::string tls_cert_file;
  std::string tls_key_file;
};

// Thread safety: Start, Stop and the destructor from one controlling thread; port() and
// handler_exceptions() from any thread.
class HttpServer {
 public:
  // `registry` (optional) receives vpnhub_http_requests_total{route,code},
  // vpnhub_http_request_duration_seconds{route} and vpnhub_http_handler_exceptions_total{route}
  // (made at Start with value 0 for every route, as are the request series with code 200 and 500,
  // and code 404 of route "unmatched");
  // `log` (optional) gets "http.handler_exception" events (at most one per second per thread).
  // Both must outlive the server.
  HttpServer(ServerOptions options, Router router, metrics::Registry* registry = nullptr,
             ports::EventLog* log = nullptr);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds every acceptor; connections wait in the backlog until Start. kUnavailable when the
  // address cannot be bound (port taken, also by another SO_REUSEPORT listener),
  // kInvalidArgument for a bad host or options, kFailedPrecondition when called twice.
  Status Listen();
  // Listens (unless Listen succeeded before, with its errors) and starts the io threads.
  // kFailedPrecondition when called twice.
  Status Start();
  // The bound port (the real one when options.port was 0); 0 before Listen.
  std::uint16_t port() const;
  // Closes the acceptors and idle connections, lets in-flight requests finish for at most
  // options.stop_grace, then joins the threads. Safe to call twice and without Start; not from
  // a handler (it joins the io threads).
  void Stop();
  // Handler exceptions turned into 500s since Start.
  std::uint64_t handler_exceptions() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vpnhub::http
