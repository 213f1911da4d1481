// The one translation unit that sees libnats' C API: connection and its options, JetStream
// publish (sync and batched async), pull subscriptions, stream and consumer setup, and the
// mapping of natsStatus / jsErrCode to our Status. Long (over 500 lines) because splitting it
// would spread the raw C handles and their ownership rules over several files.
#include "nats/nats_client.hpp"

#include <nats/nats.h>

#include <condition_variable>
#include <filesystem>
#include <utility>

namespace vpnhub::nats {
namespace {

using std::chrono::milliseconds;

constexpr int kMaxPingsOut = 2;
// How long the destructor waits for libnats to deliver the closed callback.
constexpr milliseconds kCloseWait{5000};

int64_t Nanos(milliseconds d) { return static_cast<int64_t>(d.count()) * 1000000; }
milliseconds FromNanos(int64_t ns) { return milliseconds(ns / 1000000); }

// "nats://user:secret@host" -> "nats://***@host", and every listed secret -> "***".
std::string Scrub(std::string text, const std::vector<std::string>& secrets = {}) {
  std::size_t pos = 0;
  while ((pos = text.find("://", pos)) != std::string::npos) {
    pos += 3;
    const std::size_t end = text.find_first_of(" /@,;'\")", pos);
    if (end != std::string::npos && text[end] == '@') text.replace(pos, end - pos, "***");
  }
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (std::size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

bool IsUnavailableJsError(jsErrCode code) {
  switch (code) {
    case JSClusterIncompleteErr:
    case JSClusterNoPeersErr:
    case JSClusterNotAssignedErr:
    case JSClusterNotAvailErr:
    case JSClusterNotLeaderErr:
    case JSInsufficientResourcesErr:
    case JSNotEnabledErr:
      return true;
    default:
      return false;
  }
}

StatusCode CodeFor(natsStatus s, jsErrCode js_err) {
  if (js_err == JSStreamNotFoundErr || js_err == JSConsumerNotFoundErr) {
    return StatusCode::kNotFound;
  }
  if (IsUnavailableJsError(js_err)) return StatusCode::kUnavailable;
  if (js_err != 0) return StatusCode::kInvalidArgument;  // the server refused the request
  switch (s) {
    case NATS_CONNECTION_CLOSED:
    case NATS_NO_SERVER:
    case NATS_STALE_CONNECTION:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_IO_ERROR:
    case NATS_TIMEOUT:
    case NATS_NOT_YET_CONNECTED:
    case NATS_NO_RESPONDERS:
    case NATS_DRAINING:
    case NATS_MISSED_HEARTBEAT:
    case NATS_SLOW_CONSUMER:
      return StatusCode::kUnavailable;
    case NATS_INVALID_ARG:
    case NATS_INVALID_SUBJECT:
    case NATS_INVALID_TIMEOUT:
    case NATS_ADDRESS_MISSING:
    case NATS_SECURE_CONNECTION_WANTED:
    case NATS_SECURE_CONNECTION_REQUIRED:
    case NATS_SSL_ERROR:
    case NATS_MAX_PAYLOAD:
    case NATS_INVALID_QUEUE_NAME:
    case NATS_MISMATCH:
      return StatusCode::kInvalidArgument;
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED:
      return StatusCode::kPermissionDenied;
    case NATS_NOT_FOUND:
      return StatusCode::kNotFound;
    case NATS_ILLEGAL_STATE:
      return StatusCode::kFailedPrecondition;
    default:
      return StatusCode::kInternal;
  }
}

// Must be called right after the failing libnats call (the last-error text is per thread).
Status ToStatus(natsStatus s, std::string_view what, jsErrCode js_err = static_cast<jsErrCode>(0),
                const std::vector<std::string>& secrets = {}) {
  std::string text = std::string(what) + ": " + natsStatus_GetText(s);
  natsStatus last_status = NATS_OK;
  const char* last = nats_GetLastError(&last_status);
  if (last != nullptr && *last != '\0' && last_status == s &&
      text.find(last) == std::string::npos) {
    text += " (" + std::string(last) + ")";
  }
  if (js_err != 0) text += " [JetStream error " + std::to_string(static_cast<int>(js_err)) + "]";
  return {CodeFor(s, js_err), Scrub(std::move(text), secrets)};
}

const char* StateName(natsConnStatus s) {
  switch (s) {
    case NATS_CONN_STATUS_DISCONNECTED:
      return "disconnected";
    case NATS_CONN_STATUS_CONNECTING:
      return "connecting";
    case NATS_CONN_STATUS_CONNECTED:
      return "connected";
    case NATS_CONN_STATUS_CLOSED:
      return "closed";
    case NATS_CONN_STATUS_RECONNECTING:
      return "reconnecting";
    case NATS_CONN_STATUS_DRAINING_SUBS:
    case NATS_CONN_STATUS_DRAINING_PUBS:
      return "draining";
  }
  return "unknown";
}

struct OptionsDeleter {
  void operator()(natsOptions* o) const { natsOptions_Destroy(o); }
};
struct StreamInfoDeleter {
  void operator()(jsStreamInfo* si) const { jsStreamInfo_Destroy(si); }
};
struct ConsumerInfoDeleter {
  void operator()(jsConsumerInfo* ci) const { jsConsumerInfo_Destroy(ci); }
};

}  // namespace

void ShutdownLibrary() { nats_Close(); }

// Shared with libnats' callback thread through a raw closure pointer.
struct NatsConnection::Callbacks {
  std::mutex mu;
  std::condition_variable cv;
  StateCallback on_state;  // guarded by mu
  bool closed = false;     // guarded by mu; the last callback libnats delivers

  void Notify(bool connected) {
    StateCallback cb;
    {
      std::lock_guard<std::mutex> lock(mu);
      cb = on_state;
    }
    cv.notify_all();
    if (cb) cb(connected);
  }

  static void OnConnected(natsConnection*, void* closure) {
    static_cast<Callbacks*>(closure)->Notify(true);
  }
  static void OnDisconnected(natsConnection*, void* closure) {
    static_cast<Callbacks*>(closure)->Notify(false);
  }
  static void OnClosed(natsConnection*, void* closure) {
    auto* self = static_cast<Callbacks*>(closure);
    std::lock_guard<std::mutex> lock(self->mu);
    self->closed = true;
    self->cv.notify_all();
  }
};

NatsConnection::NatsConnection(std::shared_ptr<Callbacks> callbacks)
    : callbacks_(std::move(callbacks)) {}

Result<std::unique_ptr<NatsConnection>> NatsConnection::Connect(const NatsOptions& options,
                                                                StateCallback on_state) {
  if (options.servers.empty()) return InvalidArgument("nats: no server URL given");
  if (options.user.empty() != options.password.empty()) {
    return InvalidArgument("nats: user and password must be given together");
  }
  if (!options.creds_file.empty() && !std::filesystem::is_regular_file(options.creds_file)) {
    return InvalidArgument("nats: credentials file not found: " + options.creds_file);
  }
  const std::vector<std::string> secrets = {options.password, options.token};
  natsOptions* raw_opts = nullptr;
  natsStatus s = natsOptions_Create(&raw_opts);
  if (s != NATS_OK) return ToStatus(s, "nats: options");
  std::unique_ptr<natsOptions, OptionsDeleter> opts(raw_opts);

  auto callbacks = std::make_shared<Callbacks>();
  callbacks->on_state = std::move(on_state);
  void* closure = callbacks.get();

  std::vector<const char*> urls;
  for (const std::string& url : options.servers) urls.push_back(url.c_str());
  s = natsOptions_SetServers(opts.get(), urls.data(), static_cast<int>(urls.size()));
  if (s != NATS_OK) return ToStatus(s, "nats: server list", {}, secrets);
  if (s == NATS_OK) s = natsOptions_SetName(opts.get(), options.name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts.get(), options.connect_timeout.count());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts.get(), -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts.get(), options.reconnect_wait.count());
  if (s == NATS_OK) s = natsOptions_SetPingInterval(opts.get(), options.ping_interval.count());
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(opts.get(), kMaxPingsOut);
  if (s == NATS_OK && !options.user.empty()) {
    s = natsOptions_SetUserInfo(opts.get(), options.user.c_str(), options.password.c_str());
  }
  if (s == NATS_OK && !options.token.empty()) {
    s = natsOptions_SetToken(opts.get(), options.token.c_str());
  }
  if (s != NATS_OK) return ToStatus(s, "nats: options", {}, secrets);
  if (!options.creds_file.empty()) {
    s = natsOptions_SetUserCredentialsFromFiles(opts.get(), options.creds_file.c_str(), nullptr);
    if (s != NATS_OK) {
      Status st = ToStatus(s, "nats: credentials file " + options.creds_file, {}, secrets);
      return InvalidArgument(st.message());
    }
  }
  if (!options.tls_ca.empty()) {
    s = natsOptions_SetSecure(opts.get(), true);
    if (s == NATS_OK) s = natsOptions_LoadCATrustedCertificates(opts.get(), options.tls_ca.c_str());
    if (s != NATS_OK) {
      Status st = ToStatus(s, "nats: TLS CA " + options.tls_ca, {}, secrets);
      return InvalidArgument(st.message());
    }
  }
  s = natsOptions_SetDisconnectedCB(opts.get(), &Callbacks::OnDisconnected, closure);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(opts.get(), &Callbacks::OnConnected, closure);
  if (s == NATS_OK) s = natsOptions_SetClosedCB(opts.get(), &Callbacks::OnClosed, closure);
  if (s == NATS_OK) {
    s = natsOptions_SetRetryOnFailedConnect(opts.get(), true, &Callbacks::OnConnected, closure);
  }
  if (s != NATS_OK) return ToStatus(s, "nats: options", {}, secrets);

  std::unique_ptr<NatsConnection> conn(new NatsConnection(callbacks));
  conn->secrets_ = secrets;
  s = natsConnection_Connect(&conn->conn_, opts.get());
  // NATS_NOT_YET_CONNECTED: no server answered yet; libnats keeps trying in the background.
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
    Status st = ToStatus(s, "nats: connect", {}, secrets);
    if (conn->conn_ == nullptr) {
      // No connection object, so libnats will call none of our callbacks.
      conn->callbacks_->closed = true;
    }
    return st;
  }
  return conn;
}

NatsConnection::~NatsConnection() {
  if (conn_ == nullptr) return;
  natsConnection_Close(conn_);
  bool closed = false;
  {
    std::unique_lock<std::mutex> lock(callbacks_->mu);
    callbacks_->on_state = nullptr;
    closed = callbacks_->cv.wait_for(lock, kCloseWait, [this] { return callbacks_->closed; });
  }
  natsConnection_Destroy(conn_);
  if (!closed) {
    // libnats may still call back later: keep the closure alive for the rest of the process.
    new std::shared_ptr<Callbacks>(callbacks_);  // NOLINT: deliberate leak
  }
}

bool NatsConnection::Connected() const {
  return natsConnection_Status(conn_) == NATS_CONN_STATUS_CONNECTED;
}

std::string NatsConnection::State() const { return StateName(natsConnection_Status(conn_)); }

std::string NatsConnection::LastError() const {
  const char* text = nullptr;
  const natsStatus s = natsConnection_GetLastError(conn_, &text);
  if (s == NATS_OK) return "";
  std::string message = natsStatus_GetText(s);
  if (text != nullptr && *text != '\0' && message != text) message += std::string(": ") + text;
  return Scrub(std::move(message), secrets_);
}

void NatsConnection::SetStateCallback(StateCallback on_state) {
  std::lock_guard<std::mutex> lock(callbacks_->mu);
  callbacks_->on_state = std::move(on_state);
}

bool NatsConnection::WaitConnected(milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lock(callbacks_->mu);
  while (!Connected()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    // The callback wakes us; the short slice covers a state change that raced the check.
    callbacks_->cv.wait_for(lock, milliseconds(20));
  }
  return true;
}

JsMessage::JsMessage(natsMsg* msg) : msg_(msg) {
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, msg_) == NATS_OK) {
    delivered_ = meta->NumDelivered;
    stream_seq_ = meta->Sequence.Stream;
    jsMsgMetaData_Destroy(meta);
  }
}

JsMessage::~JsMessage() { natsMsg_Destroy(msg_); }

std::string_view JsMessage::subject() const { return natsMsg_GetSubject(msg_); }

std::string_view JsMessage::data() const {
  const char* data = natsMsg_GetData(msg_);
  return data == nullptr ? std::string_view() : std::string_view(data, natsMsg_GetDataLength(msg_));
}

std::optional<std::string> JsMessage::header(const std::string& name) const {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg_, name.c_str(), &value) != NATS_OK || value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

Status JsMessage::Ack() {
  jsErrCode js_err = static_cast<jsErrCode>(0);
  natsStatus s = natsMsg_AckSync(msg_, nullptr, &js_err);
  return s == NATS_OK ? Status::Ok() : ToStatus(s, "nats: ack", js_err);
}

Status JsMessage::AckNoWait() {
  natsStatus s = natsMsg_Ack(msg_, nullptr);
  return s == NATS_OK ? Status::Ok() : ToStatus(s, "nats: ack");
}

Status JsMessage::Nak(milliseconds delay) {
  // libnats takes this delay in milliseconds (and converts it for the server).
  natsStatus s = delay.count() > 0 ? natsMsg_NakWithDelay(msg_, delay.count(), nullptr)
                                   : natsMsg_Nak(msg_, nullptr);
  return s == NATS_OK ? Status::Ok() : ToStatus(s, "nats: nak");
}

Status JsMessage::Term() {
  natsStatus s = natsMsg_Term(msg_, nullptr);
  return s == NATS_OK ? Status::Ok() : ToStatus(s, "nats: term");
}

Status JsMessage::InProgress() {
  natsStatus s = natsMsg_InProgress(msg_, nullptr);
  return s == NATS_OK ? Status::Ok() : ToStatus(s, "nats: in progress");
}

Result<std::unique_ptr<JetStream>> JetStream::Create(NatsConnection& connection,
                                                     milliseconds api_timeout) {
  jsOptions opts;
  jsOptions_Init(&opts);
  opts.Wait = api_timeout.count();
  jsCtx* js = nullptr;
  natsStatus s = natsConnection_JetStream(&js, connection.raw(), &opts);
  if (s != NATS_OK) return ToStatus(s, "nats: JetStream context");
  std::unique_ptr<JetStream> out(new JetStream(js, connection.raw(), api_timeout));
  jsOptions async_opts;
  jsOptions_Init(&async_opts);
  async_opts.Wait = api_timeout.count();
  async_opts.PublishAsync.MaxPending = 8192;
  async_opts.PublishAsync.AckHandler = &JetStream::OnAsyncAck;
  async_opts.PublishAsync.AckHandlerClosure = out->async_.get();
  s = natsConnection_JetStream(&out->async_js_, connection.raw(), &async_opts);
  if (s != NATS_OK) return ToStatus(s, "nats: JetStream context");
  return out;
}

void JetStream::OnAsyncAck(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* err, void* closure) {
  auto* batch = static_cast<AsyncBatch*>(closure);
  const char* id = nullptr;
  if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) != NATS_OK) id = nullptr;
  {
    std::lock_guard<std::mutex> lock(batch->mu);
    auto it = id == nullptr ? batch->index.end() : batch->index.find(id);
    if (it != batch->index.end() && batch->results != nullptr) {
      for (std::size_t i : it->second) {
        if (ack != nullptr) {
          PubAck out;
          out.stream = ack->Stream == nullptr ? "" : ack->Stream;
          out.sequence = ack->Sequence;
          out.duplicate = ack->Duplicate;
          (*batch->results)[i] = out;
        } else {
          const natsStatus s = err != nullptr ? err->Err : NATS_ERR;
          (*batch->results)[i] =
              ToStatus(s, std::string("nats: publish to ") + natsMsg_GetSubject(msg),
                       err != nullptr ? err->ErrCode : static_cast<jsErrCode>(0));
        }
        ++batch->answered;
      }
      batch->index.erase(it);  // a late second answer for the same id changes nothing
    }
  }
  batch->cv.notify_all();
  natsMsg_Destroy(msg);
}

std::vector<Result<PubAck>> JetStream::PublishBatch(const std::vector<Outgoing>& messages) {
  std::lock_guard<std::mutex> run(async_->run);
  std::vector<Result<PubAck>> results(messages.size(),
                                      Result<PubAck>(Unavailable("nats: no publish ack in time")));
  if (messages.empty()) return results;
  std::size_t expected = 0;
  {
    std::lock_guard<std::mutex> lock(async_->mu);
    async_->index.clear();
    async_->answered = 0;
    async_->results = &results;
    for (std::size_t i = 0; i < messages.size(); ++i) {
      if (!messages[i].msg_id.empty()) async_->index[messages[i].msg_id].push_back(i);
    }
  }
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const Outgoing& m = messages[i];
    if (m.msg_id.empty()) {  // the callback finds messages by id: publish these one by one
      results[i] = Publish(m.subject, m.payload, m.msg_id);
      continue;
    }
    natsMsg* msg = nullptr;
    natsStatus s = natsMsg_Create(&msg, m.subject.c_str(), nullptr, m.payload.data(),
                                  static_cast<int>(m.payload.size()));
    if (s == NATS_OK) {
      jsPubOptions opts;
      jsPubOptions_Init(&opts);
      opts.MsgId = m.msg_id.c_str();
      s = js_PublishMsgAsync(async_js_, &msg, &opts);
    }
    natsMsg_Destroy(msg);  // no-op when the library took it
    if (s != NATS_OK) {
      std::lock_guard<std::mutex> lock(async_->mu);
      results[i] = ToStatus(s, "nats: publish to " + m.subject);
      async_->index.erase(m.msg_id);
      continue;
    }
    ++expected;
  }
  {
    std::unique_lock<std::mutex> lock(async_->mu);
    async_->cv.wait_for(lock, api_timeout_, [&] { return async_->answered >= expected; });
  }
  // Take back what is still unanswered, so a late ack cannot land in the next batch.
  natsMsgList pending{nullptr, 0};
  if (js_PublishAsyncGetPendingList(&pending, async_js_) == NATS_OK) natsMsgList_Destroy(&pending);
  std::lock_guard<std::mutex> lock(async_->mu);
  async_->index.clear();
  async_->results = nullptr;
  return results;
}

JetStream::~JetStream() {
  for (auto& [durable, pull] : subs_) natsSubscription_Destroy(pull->sub);
  for (auto& pull : retired_) natsSubscription_Destroy(pull->sub);
  jsCtx_Destroy(js_);
  if (async_js_ != nullptr) jsCtx_Destroy(async_js_);
}

Status JetStream::EnsureStream(const StreamConfig& config) {
  if (config.name.empty() || config.subjects.empty()) {
    return InvalidArgument("nats: a stream needs a name and subjects");
  }
  std::vector<const char*> subjects;
  for (const std::string& subject : config.subjects) subjects.push_back(subject.c_str());
  jsStreamConfig sc;
  jsStreamConfig_Init(&sc);
  sc.Name = config.name.c_str();
  sc.Subjects = subjects.data();
  sc.SubjectsLen = static_cast<int>(subjects.size());
  sc.Storage = js_FileStorage;
  sc.Retention = config.work_queue ? js_WorkQueuePolicy : js_LimitsPolicy;
  sc.Replicas = config.replicas;
  sc.Duplicates = Nanos(config.duplicate_window);
  if (config.max_age) sc.MaxAge = Nanos(*config.max_age);

  jsStreamInfo* raw_info = nullptr;
  jsErrCode js_err = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&raw_info, js_, &sc, nullptr, &js_err);
  std::unique_ptr<jsStreamInfo, StreamInfoDeleter> info(raw_info);
  if (s == NATS_OK) return Status::Ok();
  if (js_err != JSStreamNameExistErr) return ToStatus(s, "nats: add stream " + config.name, js_err);
  // It exists with another configuration: bring it to ours.
  raw_info = nullptr;
  js_err = static_cast<jsErrCode>(0);
  s = js_UpdateStream(&raw_info, js_, &sc, nullptr, &js_err);
  info.reset(raw_info);
  if (s == NATS_OK) return Status::Ok();
  return ToStatus(s, "nats: update stream " + config.name, js_err);
}

Status JetStream::EnsureConsumer(const ConsumerConfig& config) {
  if (config.stream.empty() || config.durable.empty()) {
    return InvalidArgument("nats: a consumer needs a stream and a durable name");
  }
  std::vector<int64_t> backoff;
  for (milliseconds d : config.backoff) backoff.push_back(Nanos(d));
  jsConsumerConfig cc;
  jsConsumerConfig_Init(&cc);
  cc.Durable = config.durable.c_str();
  cc.AckPolicy = js_AckExplicit;
  cc.DeliverPolicy = js_DeliverAll;
  cc.AckWait = Nanos(config.ack_wait);
  cc.MaxDeliver = config.max_deliver;
  cc.MaxAckPending = config.max_ack_pending;
  if (!config.filter_subject.empty()) cc.FilterSubject = config.filter_subject.c_str();
  if (!backoff.empty()) {
    cc.BackOff = backoff.data();
    cc.BackOffLen = static_cast<int>(backoff.size());
  }

  const std::string what = "nats: consumer " + config.stream + "/" + config.durable;
  jsConsumerInfo* raw_info = nullptr;
  jsErrCode js_err = static_cast<jsErrCode>(0);
  natsStatus s = js_GetConsumerInfo(&raw_info, js_, config.stream.c_str(), config.durable.c_str(),
                                    nullptr, &js_err);
  std::unique_ptr<jsConsumerInfo, ConsumerInfoDeleter> info(raw_info);
  const bool exists = s == NATS_OK;
  if (!exists && s != NATS_NOT_FOUND) return ToStatus(s, what, js_err);
  if (exists && js_err == 0) {
    raw_info = nullptr;
    s = js_UpdateConsumer(&raw_info, js_, config.stream.c_str(), &cc, nullptr, &js_err);
  } else {
    raw_info = nullptr;
    js_err = static_cast<jsErrCode>(0);
    s = js_AddConsumer(&raw_info, js_, config.stream.c_str(), &cc, nullptr, &js_err);
  }
  info.reset(raw_info);
  if (s != NATS_OK) return ToStatus(s, what, js_err);
  std::lock_guard<std::mutex> lock(mu_);
  durable_streams_[config.durable] = config.stream;
  return Status::Ok();
}

Result<PubAck> JetStream::Publish(const std::string& subject, std::string_view payload,
                                  const std::string& msg_id) {
  jsPubOptions opts;
  jsPubOptions_Init(&opts);
  opts.MaxWait = api_timeout_.count();
  if (!msg_id.empty()) opts.MsgId = msg_id.c_str();
  jsPubAck* ack = nullptr;
  jsErrCode js_err = static_cast<jsErrCode>(0);
  natsStatus s = js_Publish(&ack, js_, subject.c_str(), payload.data(),
                            static_cast<int>(payload.size()), &opts, &js_err);
  if (s != NATS_OK) {
    jsPubAck_Destroy(ack);
    return ToStatus(s, "nats: publish to " + subject, js_err);
  }
  PubAck result;
  if (ack != nullptr) {
    result.stream = ack->Stream == nullptr ? "" : ack->Stream;
    result.sequence = ack->Sequence;
    result.duplicate = ack->Duplicate;
  }
  jsPubAck_Destroy(ack);
  return result;
}

namespace {

std::uint64_t Reconnects(natsConnection* nc) {
  natsStatistics* stats = nullptr;
  if (natsStatistics_Create(&stats) != NATS_OK) return 0;
  std::uint64_t in_msgs = 0, in_bytes = 0, out_msgs = 0, out_bytes = 0, reconnects = 0;
  if (natsConnection_GetStats(nc, stats) == NATS_OK) {
    natsStatistics_GetCounts(stats, &in_msgs, &in_bytes, &out_msgs, &out_bytes, &reconnects);
  }
  natsStatistics_Destroy(stats);
  return reconnects;
}

}  // namespace

Result<std::shared_ptr<JetStream::PullSub>> JetStream::Subscription(
    const std::string& durable, const std::string& subject_filter) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subs_.find(durable);
  if (it != subs_.end()) return it->second;
  jsSubOptions sub_opts;
  jsSubOptions_Init(&sub_opts);
  // Bind to the existing consumer; never let the library create one with default settings.
  sub_opts.Consumer = durable.c_str();
  auto stream = durable_streams_.find(durable);
  if (stream != durable_streams_.end()) sub_opts.Stream = stream->second.c_str();
  natsSubscription* sub = nullptr;
  jsErrCode js_err = static_cast<jsErrCode>(0);
  natsStatus s = js_PullSubscribe(&sub, js_, subject_filter.c_str(), durable.c_str(), nullptr,
                                  &sub_opts, &js_err);
  if (s != NATS_OK) return ToStatus(s, "nats: pull subscribe " + durable, js_err);
  auto pull = std::make_shared<PullSub>();
  pull->sub = sub;
  pull->reconnects = Reconnects(nc_);
  subs_.emplace(durable, pull);
  return pull;
}

void JetStream::Retire(const std::string& durable, const std::shared_ptr<PullSub>& pull) {
  pull->retired = true;
  // Its pending pull requests and their answers go with it (the server redelivers those
  // messages after ack_wait); the consumer stays (we bound to it, libnats did not create it).
  natsSubscription_Unsubscribe(pull->sub);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subs_.find(durable);
  if (it != subs_.end() && it->second == pull) subs_.erase(it);
  retired_.push_back(pull);
}

Result<std::vector<std::unique_ptr<JsMessage>>> JetStream::Fetch(const std::string& durable,
                                                                 const std::string& subject_filter,
                                                                 int batch, milliseconds timeout) {
  if (durable.empty() || subject_filter.empty() || batch <= 0 || timeout.count() <= 0) {
    return InvalidArgument("nats: fetch needs a durable, a subject, batch > 0 and timeout > 0");
  }
  // libnats 3.4.1's fetch writes past its message array when, at its start, the subscription
  // already holds more than half a batch of messages (answers to pull requests nobody waits
  // for any more). Such answers come mostly from the pull requests libnats keeps in its
  // reconnect buffer and sends again after a reconnect. So: no pull request while the
  // connection is down; a fresh subscription after every reconnect (the old one's requests and
  // answers go with it; the server redelivers those messages after ack_wait); and while
  // messages are waiting, take them one at a time (a fetch of 1 cannot overflow and sends no
  // request when one is waiting).
  if (natsConnection_Status(nc_) != NATS_CONN_STATUS_CONNECTED) {
    return Unavailable("nats: fetch " + durable + ": not connected");
  }
  for (int round = 0; round < 3; ++round) {
    VPNHUB_ASSIGN_OR_RETURN(auto got, Subscription(durable, subject_filter));
    std::shared_ptr<PullSub> pull = std::move(got);
    std::unique_lock<std::mutex> fetch_lock(pull->mu);
    if (pull->retired) continue;  // replaced while this call waited for it
    if (pull->reconnects != Reconnects(nc_)) {
      Retire(durable, pull);
      continue;
    }
    int waiting = 0, waiting_bytes = 0;
    if (natsSubscription_GetPending(pull->sub, &waiting, &waiting_bytes) == NATS_OK &&
        waiting > 0) {
      batch = 1;
    }
    natsMsgList list{nullptr, 0};
    jsErrCode js_err = static_cast<jsErrCode>(0);
    natsStatus s = natsSubscription_Fetch(&list, pull->sub, batch, timeout.count(), &js_err);
    std::vector<std::unique_ptr<JsMessage>> messages;
    if (s == NATS_OK) {
      messages.reserve(list.Count);
      for (int i = 0; i < list.Count; ++i) {
        messages.push_back(std::make_unique<JsMessage>(list.Msgs[i]));
        list.Msgs[i] = nullptr;  // owned by the JsMessage now
      }
    }
    natsMsgList_Destroy(&list);
    if (s == NATS_OK || s == NATS_TIMEOUT) return messages;  // a timeout: nothing to do yet
    if (s == NATS_INVALID_SUBSCRIPTION || s == NATS_CONNECTION_CLOSED) Retire(durable, pull);
    return ToStatus(s, "nats: fetch " + durable, js_err);
  }
  return Unavailable("nats: fetch " + durable + ": the subscription keeps being replaced");
}

Result<StreamState> JetStream::GetStreamState(const std::string& stream) {
  jsStreamInfo* raw_info = nullptr;
  jsErrCode js_err = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&raw_info, js_, stream.c_str(), nullptr, &js_err);
  std::unique_ptr<jsStreamInfo, StreamInfoDeleter> info(raw_info);
  if (s != NATS_OK) return ToStatus(s, "nats: stream info " + stream, js_err);
  StreamState state;
  state.messages = info->State.Msgs;
  state.first_seq = info->State.FirstSeq;
  state.last_seq = info->State.LastSeq;
  state.replicas = info->Config == nullptr ? 0 : static_cast<int>(info->Config->Replicas);
  return state;
}

Result<ConsumerState> JetStream::GetConsumerState(const std::string& stream,
                                                  const std::string& durable) {
  jsConsumerInfo* raw_info = nullptr;
  jsErrCode js_err = static_cast<jsErrCode>(0);
  natsStatus s =
      js_GetConsumerInfo(&raw_info, js_, stream.c_str(), durable.c_str(), nullptr, &js_err);
  std::unique_ptr<jsConsumerInfo, ConsumerInfoDeleter> info(raw_info);
  if (s != NATS_OK) return ToStatus(s, "nats: consumer info " + stream + "/" + durable, js_err);
  ConsumerState state;
  if (info->Config != nullptr) {
    state.ack_wait = FromNanos(info->Config->AckWait);
    state.max_deliver = static_cast<int>(info->Config->MaxDeliver);
  }
  state.num_pending = info->NumPending;
  state.num_ack_pending = info->NumAckPending;
  state.num_redelivered = info->NumRedelivered;
  return state;
}

}  // namespace vpnhub::nats
