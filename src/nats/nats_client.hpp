#pragma once
// A thin RAII layer over libnats (the NATS C client, 3.4.1): one connection with endless
// reconnect, and the JetStream calls VPNHub needs (streams, durable pull consumers, publish with
// de-duplication, fetch, ack/nak/term/in-progress). libnats errors become Status:
//   kUnavailable       the server cannot be reached, the connection is down, a call timed out,
//                      or JetStream (cluster) cannot serve the request right now; retryable
//   kInvalidArgument   bad options or a stream/consumer configuration the server refuses
//   kNotFound          the stream or consumer does not exist
//   kPermissionDenied  authentication/authorisation failed
//   kInternal          anything else
// Messages carry the libnats status text and the server's error text, never a password or token.
//
// libnats runs its own threads (socket reader, flusher, timers, callback dispatcher). Its global
// state lives until ShutdownLibrary() (nats_Close); nothing else here calls nats_Close.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

// libnats' opaque handles (global C types; see <nats/nats.h>).
typedef struct __natsConnection natsConnection;
typedef struct __natsMsg natsMsg;
typedef struct __natsSubscription natsSubscription;
typedef struct __jsCtx jsCtx;
typedef struct jsPubAck jsPubAck;
typedef struct jsPubAckErr jsPubAckErr;

namespace vpnhub::nats {

struct NatsOptions {
  // nats://host:port URLs (tls://... for TLS); all are tried, in random order as libnats does.
  std::vector<std::string> servers;
  std::string user, password;  // both or neither
  std::string token;
  std::string creds_file;  // a NATS .creds file (JWT + NKey seed)
  std::string tls_ca;      // PEM file with the CA to trust; turns TLS on
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds reconnect_wait{500};
  // How often the client pings the server; after two unanswered pings the connection counts as
  // broken and reconnecting starts (catches a hung server, not only a closed socket).
  std::chrono::milliseconds ping_interval{10000};
  std::string name = "vpnhub";
};

// Releases libnats' global threads and memory (nats_Close). Call once at process exit, after
// every NatsConnection, JetStream and JsMessage has been destroyed; the library must not be used
// afterwards.
void ShutdownLibrary();

// One NATS connection. Thread-safe (libnats serialises internally). Never gives up: with no
// server reachable it keeps trying every reconnect_wait (plus jitter) until destroyed.
class NatsConnection {
 public:
  // Called with true when the connection is (re)established and false when it is lost. Runs on
  // libnats' callback thread: keep it short and non-blocking, and never destroy this
  // NatsConnection from inside it.
  using StateCallback = std::function<void(bool connected)>;

  // Starts connecting to all options.servers. Succeeds while no server is up yet (the connection
  // then keeps retrying in the background; Connected() tells when it is up). kInvalidArgument for
  // unusable options (no server, a missing creds/CA file, user without password); other errors
  // as in the file comment.
  static Result<std::unique_ptr<NatsConnection>> Connect(const NatsOptions& options,
                                                         StateCallback on_state = nullptr);
  // Closes the connection (pending publishes are flushed best-effort) and waits briefly for
  // libnats to deliver its last callback.
  ~NatsConnection();
  NatsConnection(const NatsConnection&) = delete;
  NatsConnection& operator=(const NatsConnection&) = delete;

  bool Connected() const;
  // For /readyz: "connected", "connecting", "reconnecting", "disconnected", "closed",
  // "draining". "closed" is final: libnats gave up, which happens when a server rejects the
  // credentials twice in a row (not when servers are merely down); only a new NatsConnection
  // helps then.
  std::string State() const;
  // The connection's last error ("" when none), for logs and /readyz. Never holds a password or
  // token. libnats 3.4.1 reports a refused login only as "No server available for connection".
  std::string LastError() const;
  // Replaces the callback given to Connect (nullptr removes it). Thread-safe.
  void SetStateCallback(StateCallback on_state);
  // Blocks until Connected() or the deadline passes; true when connected.
  bool WaitConnected(std::chrono::milliseconds timeout) const;

  natsConnection* raw() const { return conn_; }

 private:
  struct Callbacks;
  explicit NatsConnection(std::shared_ptr<Callbacks> callbacks);

  std::shared_ptr<Callbacks> callbacks_;
  natsConnection* conn_ = nullptr;
  std::vector<std::string> secrets_;  // scrubbed from LastError()
};

struct StreamConfig {
  std::string name;
  std::vector<std::string> subjects;
  int replicas = 1;
  // Messages with a Nats-Msg-Id already seen within this window are dropped (PubAck.duplicate).
  std::chrono::milliseconds duplicate_window{std::chrono::minutes(2)};
  std::optional<std::chrono::milliseconds> max_age;  // none: kept until acked/limits
  // Work-queue retention deletes a message once it is acked (one consumer per subject);
  // otherwise messages stay until max_age.
  bool work_queue = false;
};

// A durable pull consumer with explicit acks.
struct ConsumerConfig {
  std::string stream;
  std::string durable;
  std::string filter_subject;  // empty: every subject of the stream
  // Redelivery after this long without ack/nak/in-progress. With a backoff list the server uses
  // backoff[i] for the (i+1)th redelivery instead (ack_wait becomes backoff[0]); naks use their
  // own delay.
  std::chrono::milliseconds ack_wait{std::chrono::seconds(30)};
  int max_deliver = -1;  // -1: unlimited; with backoff it must exceed backoff.size()
  std::vector<std::chrono::milliseconds> backoff;
  int max_ack_pending = 1000;
};

struct PubAck {
  std::string stream;
  std::uint64_t sequence = 0;
  bool duplicate = false;  // the stream already held this Nats-Msg-Id; nothing was stored
};

struct StreamState {
  std::uint64_t messages = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  int replicas = 0;
};

struct ConsumerState {
  std::chrono::milliseconds ack_wait{0};
  int max_deliver = 0;
  std::uint64_t num_pending = 0;     // in the stream, not yet delivered
  std::int64_t num_ack_pending = 0;  // delivered, not yet acked
  std::int64_t num_redelivered = 0;
};

// One message fetched from a pull consumer. Must not outlive the JetStream that fetched it.
// Not thread-safe (hand each message to one thread).
class JsMessage {
 public:
  explicit JsMessage(natsMsg* msg);
  ~JsMessage();
  JsMessage(const JsMessage&) = delete;
  JsMessage& operator=(const JsMessage&) = delete;

  std::string_view subject() const;
  std::string_view data() const;  // valid while this object lives
  std::optional<std::string> header(const std::string& name) const;
  // How many times the server has delivered this message, this delivery included (1 first).
  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t stream_seq() const { return stream_seq_; }

  // Ack waits for the server's confirmation, so once it returns Ok the message will not come
  // back. Nak asks for redelivery after `delay` (0: at once). Term stops all redelivery.
  // InProgress restarts the ack_wait timer (call it while a long task runs). Once a message is
  // acked, nakked or termed, further Ack/Nak/Term calls on it do nothing and return Ok (libnats
  // remembers the first).
  Status Ack();
  // Ack without waiting for the server's confirmation (one message on the wire, no round
  // trip). If it is lost the message comes back after ack_wait, so use it only where a repeat
  // is harmless.
  Status AckNoWait();
  Status Nak(std::chrono::milliseconds delay);
  Status Term();
  Status InProgress();

 private:
  natsMsg* msg_;
  std::uint64_t delivered_ = 0;
  std::uint64_t stream_seq_ = 0;
};

// JetStream calls over one connection; `connection` must outlive this object, which must
// outlive its messages. Publish and the Ensure*/Get* calls are thread-safe. Fetch may be called
// from several threads: calls for the same durable are serialised (one at a time blocks on the
// server), calls for different durables run side by side. Fetch blocks up to its timeout: run it
// on a worker thread, never on an io_context thread.
class JetStream {
 public:
  // api_timeout bounds each JetStream API request and publish ack wait.
  static Result<std::unique_ptr<JetStream>> Create(
      NatsConnection& connection, std::chrono::milliseconds api_timeout = std::chrono::seconds(5));
  ~JetStream();
  JetStream(const JetStream&) = delete;
  JetStream& operator=(const JetStream&) = delete;

  // Creates the stream or updates it to `config`; idempotent.
  Status EnsureStream(const StreamConfig& config);
  // Creates the durable consumer or updates it to `config` (the server allows changing
  // ack_wait, max_deliver, backoff, max_ack_pending; not the filter subject); idempotent.
  Status EnsureConsumer(const ConsumerConfig& config);

  // Publishes and waits for the stream's ack. A non-empty msg_id is sent as Nats-Msg-Id, so a
  // re-publish within the stream's duplicate window stores nothing and returns duplicate=true.
  // kUnavailable when no ack came in time (the message may or may not be stored: publish again
  // with the same msg_id).
  struct Outgoing {
    std::string subject;
    std::string payload;
    std::string msg_id;  // sent as Nats-Msg-Id when non-empty
  };
  // Publishes every message without waiting in between (one round trip for the lot instead of
  // one each), then waits up to api_timeout for all acks. One result per message, in order: its
  // PubAck, or why it has none (kUnavailable when its ack did not come in time: it may or may
  // not be stored, as with Publish). Thread-safe; batches from several threads go one at a time.
  std::vector<Result<PubAck>> PublishBatch(const std::vector<Outgoing>& messages);

  Result<PubAck> Publish(const std::string& subject, std::string_view payload,
                         const std::string& msg_id);

  // Up to `batch` messages from the durable pull consumer, waiting up to `timeout` for the
  // first; an empty vector when none came. The pull subscription is made on first use and
  // cached per durable; the consumer must exist (EnsureConsumer). `subject_filter` must be the
  // consumer's filter subject (or a subject of its stream); the stream is taken from an earlier
  // EnsureConsumer on this object or else looked up by that subject.
  Result<std::vector<std::unique_ptr<JsMessage>>> Fetch(const std::string& durable,
                                                        const std::string& subject_filter,
                                                        int batch,
                                                        std::chrono::milliseconds timeout);

  Result<StreamState> GetStreamState(const std::string& stream);
  Result<ConsumerState> GetConsumerState(const std::string& stream, const std::string& durable);

 private:
  // A pull subscription. Retired ones (replaced after a reconnect or an error) are unsubscribed
  // but kept until this JetStream goes: messages fetched through them may still be in a
  // worker's hands, and their acks go through the subscription.
  struct PullSub {
    std::mutex mu;  // one Fetch at a time on this subscription
    natsSubscription* sub = nullptr;
    std::uint64_t reconnects = 0;  // the connection's reconnect count when it was made
    bool retired = false;          // guarded by mu
  };

  JetStream(jsCtx* js, natsConnection* nc, std::chrono::milliseconds api_timeout)
      : js_(js), nc_(nc), api_timeout_(api_timeout) {}
  Result<std::shared_ptr<PullSub>> Subscription(const std::string& durable,
                                                const std::string& subject_filter);
  // Call with pull->mu held; the next Fetch subscribes again.
  void Retire(const std::string& durable, const std::shared_ptr<PullSub>& pull);

  // PublishBatch's state: the acks of the batch in flight, filled by libnats' callback thread.
  struct AsyncBatch {
    std::mutex run;  // one batch at a time
    std::mutex mu;
    std::condition_variable cv;
    std::map<std::string, std::vector<std::size_t>> index;  // msg id -> positions; guarded by mu
    std::vector<Result<PubAck>>* results = nullptr;         // guarded by mu
    std::size_t answered = 0;                               // guarded by mu
  };
  static void OnAsyncAck(jsCtx* js, natsMsg* msg, ::jsPubAck* ack, ::jsPubAckErr* err,
                         void* closure);

  jsCtx* js_;
  jsCtx* async_js_ = nullptr;  // a context of its own, whose ack callback feeds async_
  std::unique_ptr<AsyncBatch> async_ = std::make_unique<AsyncBatch>();
  natsConnection* nc_;
  std::chrono::milliseconds api_timeout_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<PullSub>> subs_;  // guarded by mu_
  std::vector<std::shared_ptr<PullSub>> retired_;         // guarded by mu_
  std::map<std::string, std::string> durable_streams_;    // guarded by mu_
};

}  // namespace vpnhub::nats
