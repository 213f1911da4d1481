// The only translation unit that sees Boost.Beast/Asio (they cost ~15 s of compile time each).
// Long (over 500 lines) for that reason: the request parser, the per-core workers and their
// acceptors, the session state machine (limits, deadlines, keep-alive) and the route metrics all
// need Beast or Asio types, and a second file would compile those headers again.
#include "http/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include "core/ports/event_log.hpp"
#include "metrics/registry.hpp"
#include "util/text.hpp"

namespace vpnhub::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
// A concrete executor instead of beast::tcp_stream's polymorphic one: copying and destroying
// any_executor showed up at ~3 % of a /healthz profile.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Stream = beast::basic_stream<tcp, Executor, beast::unlimited_rate_policy>;
using TlsStream = beast::ssl_stream<Stream>;

constexpr char kRequestsName[] = "vpnhub_http_requests_total";
constexpr char kRequestsHelp[] = "HTTP requests by route and status code.";
constexpr char kDurationName[] = "vpnhub_http_request_duration_seconds";
constexpr char kDurationHelp[] =
    "Time from a complete request header to the response written, by route.";
constexpr char kExceptionsName[] = "vpnhub_http_handler_exceptions_total";
constexpr char kExceptionsHelp[] = "Handler exceptions answered with 500, by route.";
constexpr char kUnmatchedRoute[] = "unmatched";
// After an error response the connection is closed; reading what the client still sends (up to
// this much, for at most kLingerTime) lets it see the response instead of a reset.
constexpr std::size_t kMaxLingerBytes = 1 << 20;
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(20);

std::vector<double> DurationBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
}

using util::EqualsIgnoreCase;

void AppendUint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Names the server writes itself, and values that would split the response.
bool HeaderAllowed(const std::string& name, const std::string& value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!IsTokenChar(c)) return false;
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  static constexpr std::string_view kReserved[] = {
      "server", "date", "content-type", "content-length", "connection", "transfer-encoding"};
  for (auto r : kReserved) {
    if (EqualsIgnoreCase(name, r)) return false;
  }
  return true;
}

std::string_view ReasonPhrase(int status) {
  auto r = bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(status)));
  std::string_view s(r.data(), r.size());
  if (s.empty() || s.front() == '<') return "Unknown";
  return s;
}

const beast::error_code& HttpErrorExample() {
  static const beast::error_code ec = bhttp::error::bad_method;
  return ec;
}

// Parses straight into our Request (no beast::http::fields on the hot path).
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  explicit RequestParser(Request& req) : req_(req) {}
  bool expect_continue() const { return expect_continue_; }
  int http_version() const { return version_; }

 private:
  void on_request_impl(bhttp::verb, beast::string_view method, beast::string_view target,
                       int version, beast::error_code&) override {
    req_.method.assign(method.data(), method.size());
    req_.target.assign(target.data(), target.size());
    auto q = target.find('?');
    if (q == beast::string_view::npos) {
      req_.path.assign(target.data(), target.size());
      req_.query.clear();
    } else {
      req_.path.assign(target.data(), q);
      req_.query.assign(target.data() + q + 1, target.size() - q - 1);
    }
    version_ = version;
  }
  void on_response_impl(int, beast::string_view, int, beast::error_code& ec) override {
    ec = bhttp::error::bad_version;
  }
  void on_field_impl(bhttp::field name, beast::string_view name_string, beast::string_view value,
                     beast::error_code&) override {
    req_.headers.emplace_back(std::string(name_string.data(), name_string.size()),
                              std::string(value.data(), value.size()));
    if (name == bhttp::field::expect &&
        EqualsIgnoreCase(std::string_view(value.data(), value.size()), "100-continue")) {
      expect_continue_ = true;
    }
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         beast::error_code&) override {
    if (length) req_.body.reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    req_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                 beast::error_code&) override {
    req_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}

  Request& req_;
  int version_ = 11;
  bool expect_continue_ = false;
};

// Read-only after Start (except the exception count).
struct Core {
  ServerOptions options;
  Router router;
  metrics::Registry* registry = nullptr;
  ports::EventLog* log = nullptr;
  std::vector<std::string> route_names;  // by route id; the last one is "unmatched"
  int unmatched_id = 0;
  std::vector<metrics::Histogram*> durations;  // by route id; empty without a registry
  std::vector<metrics::Counter*> exceptions;   // by route id; empty without a registry
  std::atomic<std::uint64_t> handler_exceptions{0};
  std::unique_ptr<asio::ssl::context> tls;  // set when options name a certificate and a key
};

// Lets a Responder post into an io_context only while the server can still run the post.
struct Gate {
  std::mutex mu;
  asio::io_context* ioc = nullptr;
};

// What the worker and a Responder need of a session, whatever its stream (plain or TLS).
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Server stop: idle and reading connections close now; a request being handled or written
  // finishes and then closes.
  virtual void OnServerStop() = 0;
  virtual void OnAsyncResponse(std::uint64_t generation, Response response) = 0;

  SessionBase* prev_ = nullptr;  // the worker's intrusive list
  SessionBase* next_ = nullptr;
  std::shared_ptr<SessionBase> pending_self_;  // set while an async handler owes the response
};

}  // namespace

struct Responder::State {
  std::shared_ptr<Gate> gate;
  std::weak_ptr<SessionBase> session;
  std::uint64_t generation = 0;
  std::atomic<bool> sent{false};

  ~State() {
    if (sent.exchange(true)) return;
    try {
      Deliver(TextResponse(500, "internal server error\n"));
    } catch (...) {
      // Out of memory while failing a request: the connection times out instead.
    }
  }

  void Deliver(Response response) {
    std::lock_guard lock(gate->mu);
    if (!gate->ioc) return;
    asio::post(*gate->ioc, [s = session, g = generation, r = std::move(response)]() mutable {
      if (auto p = s.lock()) p->OnAsyncResponse(g, std::move(r));
    });
  }
};

void Responder::Send(Response response) const {
  if (!state_ || state_->sent.exchange(true)) return;
  state_->Deliver(std::move(response));
}

namespace {

class Worker {
 public:
  explicit Worker(Core& core)
      : core_(core),
        ioc_(1),
        acceptor_(ioc_),
        grace_timer_(ioc_),
        retry_timer_(ioc_),
        work_(asio::make_work_guard(ioc_)),
        gate_(std::make_shared<Gate>()) {
    gate_->ioc = &ioc_;
    code_counters_.resize(core.route_names.size());
  }
  ~Worker() {
    // Pending handlers (and the sessions they own) die with ioc_; they must not touch timers.
    torn_down_ = true;
  }

  Status Bind(const tcp::endpoint& endpoint);
  std::uint16_t bound_port() const {
    beast::error_code ec;
    auto ep = acceptor_.local_endpoint(ec);
    return ec ? 0 : ep.port();
  }
  void Run() {
    asio::post(ioc_, [this] { DoAccept(); });
    thread_ = std::thread([this] { RunLoop(); });
  }
  void RequestStop() {
    asio::post(ioc_, [this] { BeginStop(); });
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  void AfterJoin();

  // For sessions, on the io thread.
  const Core& core() const { return core_; }
  bool stopping() const { return stopping_; }
  const std::shared_ptr<Gate>& gate() const { return gate_; }
  void Link(SessionBase* s);
  void Unlink(SessionBase* s);
  void Record(int route_id, int status, Clock::duration elapsed);
  void OnHandlerException(int route_id, const char* what);
  std::string_view DateLine();

 private:
  void RunLoop();
  void DoAccept();
  void OnAccept(beast::error_code ec, Socket socket);
  void BeginStop();

  Core& core_;
  SessionBase* sessions_ = nullptr;  // intrusive list; declared before ioc_ so it outlives it
  bool stopping_ = false;
  bool torn_down_ = false;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  asio::steady_timer grace_timer_;
  asio::steady_timer retry_timer_;
  tcp::endpoint peer_;  // filled by the one pending accept
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::shared_ptr<Gate> gate_;
  std::thread thread_;
  // Per route id: (status code, counter) pairs seen on this thread; no locks, no map lookups.
  std::vector<std::vector<std::pair<int, metrics::Counter*>>> code_counters_;
  std::time_t date_time_ = 0;
  char date_line_[64] = {};
  std::size_t date_len_ = 0;
  bool exception_logged_ = false;
  Clock::time_point last_exception_log_{};
  std::uint64_t suppressed_exception_logs_ = 0;
};

// One connection. StreamT is Stream (plain HTTP) or TlsStream; each is its own instantiation, so
// the plain path has no TLS branches.
template <class StreamT>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<StreamT>> {
 public:
  static constexpr bool kTls = std::is_same_v<StreamT, TlsStream>;

  Session(Worker& worker, Socket socket, const tcp::endpoint& peer) requires(!kTls)
      : worker_(worker),
        opts_(worker.core().options),
        stream_(std::move(socket)),
        remote_ip_(peer.address().to_string()) {
    worker_.Link(this);
  }
  Session(Worker& worker, Socket socket, const tcp::endpoint& peer,
          asio::ssl::context& tls) requires(kTls)
      : worker_(worker),
        opts_(worker.core().options),
        stream_(std::move(socket), tls),
        remote_ip_(peer.address().to_string()) {
    worker_.Link(this);
  }
  ~Session() override { worker_.Unlink(this); }

  void Start() {
    if constexpr (kTls) {
      Lowest().expires_after(opts_.read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                // Not TLS (plain HTTP, a scanner) or a timeout: close, say nothing.
                                if (!ec) self->DoRead();
                              });
    } else {
      DoRead();
    }
  }

  void OnServerStop() override {
    if (state_ == State::kReading || state_ == State::kClosing) Lowest().close();
  }

  void OnAsyncResponse(std::uint64_t generation, Response response) override {
    if (generation != generation_ || state_ != State::kHandling) return;
    auto keep = std::move(pending_self_);
    response_ = std::move(response);
    Write();
  }

  std::uint64_t NextGeneration() { return ++generation_; }

 private:
  enum class State { kReading, kHandling, kWriting, kClosing };

  Stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void DoRead() {
    request_.method.clear();
    request_.target.clear();
    request_.path.clear();
    request_.query.clear();
    request_.body.clear();
    request_.headers.clear();
    request_.route.clear();
    parser_.emplace(request_);
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(opts_.header_limit, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(opts_.body_limit);
    state_ = State::kReading;
    Lowest().expires_after(opts_.read_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session<StreamT>::OnHeader, this->shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    start_ = Clock::now();
    if (parser_->is_done()) return OnRequest();
    if (parser_->expect_continue()) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      Lowest().expires_after(opts_.read_timeout);
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                          if (ec) return;
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    Lowest().expires_after(opts_.read_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session<StreamT>::OnBody, this->shared_from_this()));
  }

  void OnBody(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    OnRequest();
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) return SendError(431);
    if (ec == bhttp::error::body_limit) return SendError(413);
    if (ec.category() == HttpErrorExample().category() && ec != bhttp::error::end_of_stream &&
        ec != bhttp::error::partial_message) {
      return SendError(400);
    }
    // End of stream, timeout, reset, server stop: nothing to answer.
  }

  void SendError(int status) {
    start_ = Clock::now();
    route_id_ = worker_.core().unmatched_id;
    response_ = TextResponse(status, std::string(ReasonPhrase(status)) + "\n");
    keep_alive_ = false;
    linger_ = true;
    head_ = false;
    http10_ = false;
    Write();
  }

  void HandlerFailed(const char* what) {
    worker_.OnHandlerException(route_id_, what);
    response_ = TextResponse(500, "internal server error\n");
  }

  void OnRequest() {
    const Core& core = worker_.core();
    keep_alive_ = parser_->keep_alive();
    http10_ = parser_->http_version() < 11;
    head_ = request_.method == "HEAD";
    linger_ = false;
    request_.remote_ip = remote_ip_;
    Router::Match m = core.router.Find(request_.method, request_.path);
    if (m.kind == Router::Match::Kind::kNotFound) {
      route_id_ = core.unmatched_id;
      response_ = TextResponse(404, "not found\n");
      return Write();
    }
    route_id_ = m.route_id;
    if (m.kind == Router::Match::Kind::kMethodNotAllowed) {
      response_ = TextResponse(405, "method not allowed\n");
      response_.headers.emplace_back("Allow", std::move(m.allow));
      return Write();
    }
    request_.route = core.route_names[route_id_];
    if (m.handler) {
      try {
        response_ = (*m.handler)(request_);
      } catch (const std::exception& e) {
        HandlerFailed(e.what());
      } catch (...) {
        HandlerFailed("unknown exception");
      }
      return Write();
    }
    state_ = State::kHandling;
    pending_self_ = this->shared_from_this();
    Responder responder(MakeResponderState());
    try {
      (*m.async_handler)(request_, responder);
    } catch (const std::exception& e) {
      worker_.OnHandlerException(route_id_, e.what());
      responder.Send(TextResponse(500, "internal server error\n"));
    } catch (...) {
      worker_.OnHandlerException(route_id_, "unknown exception");
      responder.Send(TextResponse(500, "internal server error\n"));
    }
  }

  std::shared_ptr<Responder::State> MakeResponderState() {
    auto st = std::make_shared<Responder::State>();
    st->gate = worker_.gate();
    st->session = this->weak_from_this();
    st->generation = NextGeneration();
    return st;
  }

  void Write() {
    int status = response_.status;
    if (status < 200 || status > 599) {
      HandlerFailed(("invalid status " + std::to_string(status)).c_str());
      status = 500;
    }
    status_ = status;
    bool no_body = status == 204 || status == 304;
    close_ = !keep_alive_ || worker_.stopping();

    out_.clear();
    out_.append("HTTP/1.1 ");
    AppendUint(out_, static_cast<std::uint64_t>(status));
    out_.push_back(' ');
    out_.append(ReasonPhrase(status));
    out_.append("\r\nServer: vpnhub\r\n");
    out_.append(worker_.DateLine());
    if (!no_body) {
      if (!response_.content_type.empty() && HeaderAllowed("X", response_.content_type)) {
        out_.append("Content-Type: ");
        out_.append(response_.content_type);
        out_.append("\r\n");
      }
      out_.append("Content-Length: ");
      AppendUint(out_, response_.body.size());
      out_.append("\r\n");
    }
    if (close_) {
      out_.append("Connection: close\r\n");
    } else if (http10_) {
      out_.append("Connection: keep-alive\r\n");
    }
    for (const auto& [name, value] : response_.headers) {
      if (!HeaderAllowed(name, value)) continue;
      out_.append(name);
      out_.append(": ");
      out_.append(value);
      out_.append("\r\n");
    }
    out_.append("\r\n");

    state_ = State::kWriting;
    Lowest().expires_after(opts_.read_timeout);
    if constexpr (kTls) {
      // One buffer (a copy of the body): with Boost 1.74's ssl_stream a two-buffer sequence sent
      // only the head when the body was large (test LargeResponsesArriveWhole).
      if (!head_ && !no_body) out_.append(response_.body);
      asio::async_write(
          stream_, asio::buffer(out_),
          beast::bind_front_handler(&Session<StreamT>::OnWrite, this->shared_from_this()));
    } else {
      std::array<asio::const_buffer, 2> buffers{asio::buffer(out_), asio::const_buffer()};
      if (!head_ && !no_body) buffers[1] = asio::buffer(response_.body);
      asio::async_write(
          stream_, buffers,
          beast::bind_front_handler(&Session<StreamT>::OnWrite, this->shared_from_this()));
    }
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    worker_.Record(route_id_, status_, Clock::now() - start_);
    if (ec) return;
    // Stop may have begun while this write was in flight.
    if (close_ || worker_.stopping()) {
      if constexpr (kTls) {
        CloseTls();
      } else if (linger_) {
        Linger();
      }
      return;  // the socket closes (FIN) with the session
    }
    DoRead();
  }

  // A TLS connection ends with close_notify (what the client still sends is read and dropped by
  // the shutdown), bounded by kLingerTime.
  void CloseTls() {
    state_ = State::kClosing;
    Lowest().expires_after(kLingerTime);
    stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
  }

  void Linger() {
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    state_ = State::kClosing;
    lingered_ = 0;
    buffer_.consume(buffer_.size());
    Lowest().expires_after(kLingerTime);
    Drain();
  }

  void Drain() {
    stream_.async_read_some(buffer_.prepare(16 * 1024),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kMaxLingerBytes) return;
                              self->Drain();
                            });
  }

  Worker& worker_;
  const ServerOptions& opts_;
  StreamT stream_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  Request request_;
  Response response_;
  std::string out_;
  std::string remote_ip_;
  State state_ = State::kReading;
  Clock::time_point start_{};
  int route_id_ = 0;
  int status_ = 0;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool head_ = false;
  bool close_ = false;
  bool linger_ = false;
  std::size_t lingered_ = 0;
  std::uint64_t generation_ = 0;
};

}  // namespace

Status Worker::Bind(const tcp::endpoint& endpoint) {
  beast::error_code ec;
  std::string where = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.set_option(ReusePort(true), ec);
  if (ec) return Unavailable("http socket for " + where + ": " + ec.message());
  acceptor_.bind(endpoint, ec);
  if (ec) return Unavailable("http bind " + where + ": " + ec.message());
  acceptor_.listen(core_.options.listen_backlog, ec);
  if (ec) return Unavailable("http listen " + where + ": " + ec.message());
  return Status::Ok();
}

void Worker::RunLoop() {
  for (;;) {
    try {
      ioc_.run();
      return;
    } catch (const std::exception& e) {
      if (core_.log) core_.log->Error("http.io_exception", {{"error", e.what()}});
    }
  }
}

void Worker::DoAccept() {
  // The peer address comes with accept(): no getpeername per connection.
  acceptor_.async_accept(ioc_, peer_, [this](beast::error_code ec, Socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void Worker::OnAccept(beast::error_code ec, Socket socket) {
  if (stopping_ || !acceptor_.is_open()) return;
  if (ec) {
    // Out of descriptors or memory: wait a little instead of spinning on the error.
    retry_timer_.expires_after(kAcceptRetryDelay);
    retry_timer_.async_wait([this](beast::error_code e) {
      if (!e && !stopping_) DoAccept();
    });
    return;
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (core_.tls) {
    std::make_shared<Session<TlsStream>>(*this, std::move(socket), peer_, *core_.tls)->Start();
  } else {
    std::make_shared<Session<Stream>>(*this, std::move(socket), peer_)->Start();
  }
  DoAccept();
}

void Worker::BeginStop() {
  stopping_ = true;
  work_.reset();
  beast::error_code ec;
  acceptor_.close(ec);
  retry_timer_.cancel();
  for (SessionBase* s = sessions_; s != nullptr; s = s->next_) s->OnServerStop();
  if (sessions_ == nullptr) return;
  grace_timer_.expires_after(core_.options.stop_grace);
  grace_timer_.async_wait([this](beast::error_code e) {
    if (!e) ioc_.stop();
  });
}

void Worker::AfterJoin() {
  {
    std::lock_guard lock(gate_->mu);
    gate_->ioc = nullptr;
  }
  torn_down_ = true;
  // Sessions still waiting for an async handler after the grace period.
  std::vector<std::shared_ptr<SessionBase>> held;
  for (SessionBase* s = sessions_; s != nullptr; s = s->next_) {
    if (s->pending_self_) held.push_back(std::move(s->pending_self_));
  }
  held.clear();
}

void Worker::Link(SessionBase* s) {
  s->next_ = sessions_;
  if (sessions_) sessions_->prev_ = s;
  sessions_ = s;
}

void Worker::Unlink(SessionBase* s) {
  if (s->prev_)
    s->prev_->next_ = s->next_;
  else
    sessions_ = s->next_;
  if (s->next_) s->next_->prev_ = s->prev_;
  if (stopping_ && !torn_down_ && sessions_ == nullptr) grace_timer_.cancel();
}

void Worker::Record(int route_id, int status, Clock::duration elapsed) {
  if (!core_.registry) return;
  auto& cache = code_counters_[route_id];
  metrics::Counter* counter = nullptr;
  for (const auto& [code, c] : cache) {
    if (code == status) {
      counter = c;
      break;
    }
  }
  if (!counter) {
    counter = &core_.registry->GetCounter(
        kRequestsName, kRequestsHelp,
        {{"route", core_.route_names[route_id]}, {"code", std::to_string(status)}});
    cache.emplace_back(status, counter);
  }
  counter->Inc();
  core_.durations[route_id]->Observe(std::chrono::duration<double>(elapsed).count());
}

void Worker::OnHandlerException(int route_id, const char* what) {
  core_.handler_exceptions.fetch_add(1, std::memory_order_relaxed);
  if (core_.registry) core_.exceptions[route_id]->Inc();
  if (!core_.log) return;
  auto now = Clock::now();
  if (exception_logged_ && now - last_exception_log_ < std::chrono::seconds(1)) {
    ++suppressed_exception_logs_;
    return;
  }
  try {
    core_.log->Error("http.handler_exception", {{"route", core_.route_names[route_id]},
                                                {"error", what},
                                                {"suppressed", suppressed_exception_logs_}});
  } catch (...) {
    // A failing logger must not take the io thread down.
  }
  exception_logged_ = true;
  last_exception_log_ = now;
  suppressed_exception_logs_ = 0;
}

std::string_view Worker::DateLine() {
  std::time_t now = std::time(nullptr);
  if (now != date_time_ || date_len_ == 0) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&now, &tm);
    int n = std::snprintf(date_line_, sizeof date_line_,
                          "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n", kDays[tm.tm_wday % 7],
                          tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour,
                          tm.tm_min, tm.tm_sec);
    date_len_ =
        n > 0 ? std::min<std::size_t>(static_cast<std::size_t>(n), sizeof date_line_ - 1) : 0;
    date_time_ = now;
  }
  return {date_line_, date_len_};
}

struct HttpServer::Impl {
  Core core;
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<std::uint16_t> port{0};
  bool listening = false;
  bool started = false;
  bool stopped = false;
};

namespace {

// TLS 1.2 or newer with the options' PEM certificate chain and key.
Status MakeTlsContext(const ServerOptions& o, std::unique_ptr<asio::ssl::context>& out) {
  if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
    return InvalidArgument("http TLS needs both a certificate file and a key file");
  }
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  beast::error_code ec;
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                   ec);
  if (!ec) ctx->use_certificate_chain_file(o.tls_cert_file, ec);
  if (ec) return InvalidArgument("http TLS certificate " + o.tls_cert_file + ": " + ec.message());
  ctx->use_private_key_file(o.tls_key_file, asio::ssl::context::pem, ec);
  if (ec) return InvalidArgument("http TLS key " + o.tls_key_file + ": " + ec.message());
  out = std::move(ctx);
  return Status::Ok();
}

}  // namespace

HttpServer::HttpServer(ServerOptions options, Router router, metrics::Registry* registry,
                       ports::EventLog* log)
    : impl_(std::make_unique<Impl>()) {
  impl_->core.options = std::move(options);
  impl_->core.router = std::move(router);
  impl_->core.registry = registry;
  impl_->core.log = log;
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Listen() {
  Impl& impl = *impl_;
  Core& core = impl.core;
  const ServerOptions& o = core.options;
  if (impl.listening) return FailedPrecondition("http server already listening");
  if (o.header_limit == 0 || o.body_limit == 0 || o.read_timeout.count() <= 0 ||
      o.listen_backlog <= 0) {
    return InvalidArgument("http options: limits, read_timeout and listen_backlog must be > 0");
  }
  if (o.host.empty()) return InvalidArgument("http host is empty");
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    VPNHUB_RETURN_IF_ERROR(MakeTlsContext(o, core.tls));
  }

  beast::error_code ec;
  asio::ip::address address = asio::ip::make_address(o.host, ec);
  if (ec) {
    asio::io_context resolver_ioc;
    tcp::resolver resolver(resolver_ioc);
    auto results = resolver.resolve(o.host, "", ec);
    if (ec || results.empty()) {
      return InvalidArgument("http host '" + o.host + "' does not resolve" +
                             (ec ? ": " + ec.message() : std::string()));
    }
    address = results.begin()->endpoint().address();
  }

  // Our acceptors share the port through SO_REUSEPORT, and so would anyone else's of the same
  // user: bind once without it first, so an occupied port fails loudly instead of splitting the
  // traffic with another process.
  if (o.port != 0) {
    asio::io_context probe_ioc;
    tcp::acceptor probe(probe_ioc);
    probe.open(address.is_v6() ? tcp::v6() : tcp::v4(), ec);
    if (!ec) probe.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(tcp::endpoint(address, o.port), ec);
    if (ec) {
      return Unavailable("http bind " + address.to_string() + ":" + std::to_string(o.port) + ": " +
                         ec.message());
    }
  }

  core.route_names = core.router.patterns();
  core.route_names.push_back(kUnmatchedRoute);
  core.unmatched_id = static_cast<int>(core.route_names.size()) - 1;
  if (core.registry) {
    core.durations.clear();
    core.exceptions.clear();
    for (const auto& name : core.route_names) {
      core.durations.push_back(&core.registry->GetHistogram(kDurationName, kDurationHelp,
                                                            DurationBuckets(), {{"route", name}}));
      core.exceptions.push_back(
          &core.registry->GetCounter(kExceptionsName, kExceptionsHelp, {{"route", name}}));
      // The series a dashboard divides by each other exist at 0 from the start: success and
      // the server's own failure per route, "not found" for what no route matched.
      const std::vector<std::string> codes = name == kUnmatchedRoute
                                                 ? std::vector<std::string>{"404"}
                                                 : std::vector<std::string>{"200", "500"};
      for (const auto& code : codes) {
        core.registry->GetCounter(kRequestsName, kRequestsHelp, {{"route", name}, {"code", code}});
      }
    }
  }

  int threads = o.threads > 0 ? o.threads
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::unique_ptr<Worker>> workers;
  std::uint16_t port = o.port;
  for (int i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>(core);
    // On failure the acceptors bound so far close with `workers`.
    VPNHUB_RETURN_IF_ERROR(w->Bind(tcp::endpoint(address, port)));
    if (port == 0) port = w->bound_port();
    workers.push_back(std::move(w));
  }
  impl.workers = std::move(workers);
  impl.port.store(port);
  impl.listening = true;
  return Status::Ok();
}

Status HttpServer::Start() {
  Impl& impl = *impl_;
  if (impl.started) return FailedPrecondition("http server already started");
  if (!impl.listening) VPNHUB_RETURN_IF_ERROR(Listen());
  impl.started = true;
  for (auto& w : impl.workers) w->Run();
  return Status::Ok();
}

std::uint16_t HttpServer::port() const { return impl_->port.load(); }

void HttpServer::Stop() {
  Impl& impl = *impl_;
  if (!impl.started || impl.stopped) return;
  impl.stopped = true;
  for (auto& w : impl.workers) w->RequestStop();
  for (auto& w : impl.workers) w->Join();
  for (auto& w : impl.workers) w->AfterJoin();
}

std::uint64_t HttpServer::handler_exceptions() const {
  return impl_->core.handler_exceptions.load(std::memory_order_relaxed);
}

}  // namespace vpnhub::http
