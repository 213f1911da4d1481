// NATS task pipeline figures (bench/nats_pipeline.sh runs it): the relay -> JetStream -> worker
// path against the embedded queue, both on a SQLite file with the store's own settings (WAL,
// synchronous=NORMAL) and a no-op VPN backend, in one run, wired as the service wires them
// (src/app/nats_pipeline.cpp, serve.cpp). The bench starts and stops its own nats-server (a
// fresh one per scenario, so task ids and message ids never collide).
//
//   1. throughput: N provision_key tasks preloaded (KeyService::Issue with the pipeline stopped;
//      issued once into a template file that each scenario copies), then one relay + one
//      JetStreamWorker (or one EmbeddedWorker) until every task row is done
//   2. latency: a producer issues keys at a steady offered rate, waking the relay (or the
//      embedded worker) after each commit; commit (Issue returned) -> first CreateKey call for
//      that key; p50/p90/p99/max
//   3. the same with the embedded queue, and the JetStream/embedded ratios
// Where the time goes: every scenario runs through a timing Store decorator and a timing
// publisher, so each prints the relay thread's publish and store time and the worker threads'
// store time (writer wait, body, commit). The relay publishes a round pipelined
// (JetStreamTaskPublisher -> JetStream::PublishBatch: every message of the round sent, then the
// acks collected). Splits (JetStream only): the relay alone (worker stopped), then the worker
// alone on the published stream, and raw publishes on a side stream, no database: one at a time
// (one ack round trip each) and pipelined in rounds of the relay's batch size, as the relay
// publishes a round.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "app/config.hpp"
#include "app/use_cases.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/event_log.hpp"
#include "core/ports/secrets.hpp"
#include "core/usecases/backends.hpp"
#include "fakes/fake_backend.hpp"
#include "metrics/registry.hpp"
#include "nats/nats_client.hpp"
#include "nats/nats_test_server.hpp"
#include "queue/embedded_worker.hpp"
#include "queue/jetstream_worker.hpp"
#include "queue/task_relay.hpp"
#include "queue/task_stream.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace {

using namespace vpnhub;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
      .count();
}

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// What Die must not leave behind: running nats-servers and database files.
std::mutex g_cleanup_mu;
std::vector<nats::NatsTestServer*> g_servers;
std::vector<std::string> g_files;

[[noreturn]] void Die(const std::string& what, const Status& st) {
  std::cerr << "nats_pipeline_bench: " << what << ": " << st.ToString() << "\n";
  {
    std::lock_guard lock(g_cleanup_mu);
    for (auto* server : g_servers) delete server;  // kills it, deletes its directory
    g_servers.clear();
    for (const auto& f : g_files) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::remove((f + suffix).c_str());
    }
  }
  std::_Exit(1);
}

template <typename T>
void Track(std::vector<T>& list, const T& item, bool add) {
  std::lock_guard lock(g_cleanup_mu);
  if (add) {
    list.push_back(item);
  } else {
    list.erase(std::remove(list.begin(), list.end(), item), list.end());
  }
}

class WallClock : public ports::Clock {
 public:
  Time Now() const override {
    return std::chrono::floor<milliseconds>(std::chrono::system_clock::now());
  }
};

// Distinct, cheap tokens: the bench measures the queue, not the random generator.
class CountingSecrets : public ports::SecretSource {
 public:
  std::string Token(std::size_t length) override {
    std::string t = "b" + std::to_string(++n_);
    t.resize(length, 'x');
    return t;
  }

 private:
  std::atomic<std::int64_t> n_{0};
};

// Drops info lines; counts warnings and errors by event so a run that went wrong says so.
class CountingLog : public ports::EventLog {
 public:
  void Log(ports::LogLevel level, std::string_view event,
           std::initializer_list<ports::LogField>) override {
    if (level == ports::LogLevel::kInfo || level == ports::LogLevel::kDebug) return;
    std::lock_guard lock(mu_);
    ++counts_[std::string(event)];
  }
  std::string Summary() const {
    std::lock_guard lock(mu_);
    std::ostringstream out;
    for (const auto& [event, n] : counts_) out << " " << event << "=" << n;
    return out.str();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, int> counts_;
};

// Which thread does what, for the time splits: the relay thread is the one that publishes, the
// worker threads are the ones that call the backend.
enum class Role { kOther, kRelay, kWorker };

class Roles {
 public:
  void Mark(Role role) {
    std::lock_guard lock(mu_);
    roles_[std::this_thread::get_id()] = role;
  }
  Role Of(std::thread::id id) const {
    std::lock_guard lock(mu_);
    auto it = roles_.find(id);
    return it == roles_.end() ? Role::kOther : it->second;
  }
  int Count(Role role) const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [id, r] : roles_) n += r == role ? 1 : 0;
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::thread::id, Role> roles_;
};

// The steady time of the first CreateKey per key id, recorded by the fake backend's hook (which
// accepts every call at once).
class CreateStamps {
 public:
  CreateStamps(std::size_t max_keys, Roles& roles)
      : first_create_ns_(max_keys + 1), roles_(roles) {}

  void Record(const Key& key) {
    const std::int64_t now = NowNs();
    thread_local const CreateStamps* marked_for = nullptr;
    if (marked_for != this) {
      marked_for = this;
      roles_.Mark(Role::kWorker);
    }
    if (key.id > 0 && static_cast<std::size_t>(key.id) < first_create_ns_.size()) {
      std::int64_t none = 0;
      first_create_ns_[key.id].compare_exchange_strong(none, now, std::memory_order_relaxed);
    }
  }
  std::int64_t FirstCreateNs(Id key_id) const {
    if (key_id <= 0 || static_cast<std::size_t>(key_id) >= first_create_ns_.size()) return 0;
    return first_create_ns_[key_id].load(std::memory_order_relaxed);
  }

 private:
  std::vector<std::atomic<std::int64_t>> first_create_ns_;
  Roles& roles_;
};

// The store as the application sees it, timing every transaction per thread: waiting for the
// writer (mutex + BEGIN IMMEDIATE), the body, the commit; and read transactions.
class TimingStore : public ports::Store {
 public:
  struct Stats {
    std::int64_t writes = 0, reads = 0;
    std::int64_t wait_ns = 0, body_ns = 0, commit_ns = 0, read_ns = 0;
    void Add(const Stats& o) {
      writes += o.writes;
      reads += o.reads;
      wait_ns += o.wait_ns;
      body_ns += o.body_ns;
      commit_ns += o.commit_ns;
      read_ns += o.read_ns;
    }
  };

  explicit TimingStore(ports::Store& inner) : inner_(inner) {}

  Status RunWrite(ports::WriteKind kind, const TxFn& fn) override {
    const std::int64_t t0 = NowNs();
    std::int64_t t1 = 0, t2 = 0;
    Status st = inner_.Write(kind, [&](ports::StoreTx& tx) {
      t1 = NowNs();
      Status r = fn(tx);
      t2 = NowNs();
      return r;
    });
    const std::int64_t t3 = NowNs();
    if (t1 == 0) t1 = t2 = t3;
    Stats d;
    d.writes = 1;
    d.wait_ns = t1 - t0;
    d.body_ns = t2 - t1;
    d.commit_ns = t3 - t2;
    Add(d);
    return st;
  }
  Status Read(const TxFn& fn) override {
    const std::int64_t t0 = NowNs();
    Status st = inner_.Read(fn);
    Stats d;
    d.reads = 1;
    d.read_ns = NowNs() - t0;
    Add(d);
    return st;
  }
  Status Ping() override { return inner_.Ping(); }

  void Reset() {
    std::lock_guard lock(mu_);
    per_thread_.clear();
  }
  std::map<Role, Stats> ByRole(const Roles& roles) const {
    std::lock_guard lock(mu_);
    std::map<Role, Stats> out;
    for (const auto& [id, st] : per_thread_) out[roles.Of(id)].Add(st);
    return out;
  }

 private:
  void Add(const Stats& d) {
    std::lock_guard lock(mu_);
    per_thread_[std::this_thread::get_id()].Add(d);
  }

  ports::Store& inner_;
  mutable std::mutex mu_;
  std::map<std::thread::id, Stats> per_thread_;
};

// The relay's publisher, timed: how long the relay spends publishing its rounds and collecting
// their acks.
class TimingPublisher : public queue::TaskPublisher {
 public:
  TimingPublisher(queue::TaskPublisher& inner, Roles& roles) : inner_(inner), roles_(roles) {}
  Outcome Publish(const std::vector<Task>& tasks) override {
    if (!marked_.exchange(true)) roles_.Mark(Role::kRelay);
    const std::int64_t t0 = NowNs();
    Outcome out = inner_.Publish(tasks);
    ns_ += NowNs() - t0;
    calls_ += 1;
    messages_ += static_cast<std::int64_t>(tasks.size());
    return out;
  }
  double seconds() const { return static_cast<double>(ns_.load()) / 1e9; }
  std::int64_t calls() const { return calls_.load(); }
  std::int64_t messages() const { return messages_.load(); }
  void Reset() {
    ns_ = 0;
    calls_ = 0;
    messages_ = 0;
  }

 private:
  queue::TaskPublisher& inner_;
  Roles& roles_;
  std::atomic<bool> marked_{false};
  std::atomic<std::int64_t> ns_{0}, calls_{0}, messages_{0};
};

struct Settings {
  int keys = 20000;                         // figure 1: tasks preloaded
  std::vector<int> rates{500, 1000, 2000};  // figure 2: offered rates, keys/s
  int seconds = 5;                          // figure 2: how long each rate is offered
  // Keys spread round-robin over this many locations of one VPN server each. Issue costs
  // O(keys in the location) (ListServers counts every server's slot holders, HeldSlots lists
  // the chosen server's), so one location of 20,000 keys would make the preload, not the queue,
  // the figure.
  int locations = 20;
  int concurrency = 4;       // worker threads (service default)
  int batch = 64;            // worker max_batch (service default)
  int drain_seconds = 60;    // give up waiting for the queue after this long
  std::string dir = "/tmp";  // where the SQLite files go
  bool jetstream = true, embedded = true, splits = true;
};

// One scenario's application: a fresh SQLite file with `locations` locations of one server each,
// the key service, the executor and a registry of its own.
class App {
 public:
  // `from`: a closed database file (see Keep) to start from instead of an empty one.
  App(const Settings& s, const std::string& tag, std::size_t max_keys, const std::string& from = "")
      : path_(s.dir + "/vpnhub-nats-bench-" + std::to_string(::getpid()) + "-" + tag + ".db"),
        stamps_(max_keys, roles_),
        done_(registry_.GetCounter("vpnhub_tasks_processed_total",
                                   "Tasks run by the worker, by outcome",
                                   {{"kind", "provision_key"}, {"outcome", "done"}})) {
    RemoveFiles();
    Track(g_files, path_, true);
    if (!from.empty()) {
      std::error_code ec;
      std::filesystem::copy_file(from, path_, ec);
      if (ec) Die("copy " + from, Internal(ec.message()));
    }
    auto store = storage::SqliteStore::Open({path_});
    if (!store.ok()) Die("open " + path_, store.status());
    store_ = std::move(*store);
    timing_ = std::make_unique<TimingStore>(*store_);
    backend_.OnCall([this](fakes::FakeBackend::Call call, const Server&, const Key& key) {
      if (call == fakes::FakeBackend::Call::kCreateKey) stamps_.Record(key);
    });
    backends_.Add(&backend_);
    // As `vpnhub serve` wires them, with the default settings.
    auto config = app::ParseConfig({});
    if (!std::holds_alternative<app::Config>(config)) Die("config", Internal("defaults refused"));
    wired_ = app::MakeUseCases(std::get<app::Config>(config),
                               {*timing_, backends_, clock_, secrets_, log_});
    locations_ = s.locations;
    if (!from.empty()) return;
    const int capacity =
        static_cast<int>(max_keys / static_cast<std::size_t>(s.locations)) * 2 + 100;
    for (int i = 0; i < s.locations; ++i) {
      const std::string location = "bench-" + std::to_string(i);
      if (auto r = wired_.catalog->AddLocation(location); !r.ok()) Die("add location", r.status());
      Server server;
      server.kind = "shadowsocks";
      server.name = location + "-1";
      server.public_host = "vpn" + std::to_string(i) + ".example.com";
      server.capacity = capacity;
      if (auto r = wired_.catalog->AddServer(location, server); !r.ok())
        Die("add server", r.status());
    }
  }
  ~App() {
    wired_ = app::UseCases{};
    timing_.reset();
    store_.reset();
    if (!keep_) RemoveFiles();
    Track(g_files, path_, false);
  }

  // Closes the database (SQLite checkpoints the WAL into the file and deletes it) and keeps the
  // file when this App goes; its path. Nothing may use this App afterwards but its destructor.
  std::string Keep() {
    wired_ = app::UseCases{};
    timing_.reset();
    store_.reset();
    keep_ = true;
    return path_;
  }

  // Issues one key (its provision task commits with it); the key id.
  Id Issue(TgId tg_id) {
    usecases::IssueKeyRequest req;
    req.tg_id = tg_id;
    req.location_name = "bench-" + std::to_string(tg_id % locations_);
    req.duration = std::chrono::hours(24 * 30);
    auto issued = wired_.keys->Issue(req);
    if (!issued.ok()) Die("issue", issued.status());
    return issued->key.id;
  }

  // Task rows per state, read from the database (for the end-of-scenario check).
  std::map<TaskState, int> TaskStates(int limit) {
    std::map<TaskState, int> out;
    Status st = store_->Read([&](ports::StoreTx& tx) -> Status {
      auto r = tx.tasks().ListTasks(std::nullopt, limit);
      if (!r.ok()) return r.status();
      for (const Task& t : *r) ++out[t.state];
      return Status::Ok();
    });
    if (!st.ok()) Die("list tasks", st);
    return out;
  }

  std::int64_t Done() const { return static_cast<std::int64_t>(done_.Value()); }

  ports::Store& store() { return *timing_; }
  TimingStore& timing() { return *timing_; }
  Roles& roles() { return roles_; }
  usecases::TaskExecutor& executor() { return *wired_.executor; }
  const ports::Clock& clock() const { return clock_; }
  CountingLog& log() { return log_; }
  metrics::Registry& registry() { return registry_; }
  const CreateStamps& stamps() const { return stamps_; }

 private:
  void RemoveFiles() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }

  std::string path_;
  bool keep_ = false;
  int locations_ = 1;
  WallClock clock_;
  CountingSecrets secrets_;
  CountingLog log_;
  metrics::Registry registry_;
  Roles roles_;
  CreateStamps stamps_;
  fakes::FakeBackend backend_;
  usecases::Backends backends_;
  metrics::Counter& done_;
  std::unique_ptr<storage::SqliteStore> store_;
  std::unique_ptr<TimingStore> timing_;
  app::UseCases wired_;
};

// The NATS side as the service wires it (src/app/nats_pipeline.cpp): a throwaway nats-server,
// one connection, the task stream and durable consumer, one relay, one worker.
class NatsSide {
 public:
  NatsSide(App& app, const Settings& s) {
    auto server = nats::NatsTestServer::Create();
    if (!server.ok()) Die("start nats-server", server.status());
    server_ = std::move(*server);
    Track(g_servers, server_.get(), true);
    nats::NatsOptions no;
    no.servers = {server_->url()};
    no.name = "vpnhub-bench";
    auto conn = nats::NatsConnection::Connect(no);
    if (!conn.ok()) Die("connect", conn.status());
    conn_ = std::move(*conn);
    if (!conn_->WaitConnected(milliseconds(5000))) Die("connect", Unavailable("no connection"));
    auto js = nats::JetStream::Create(*conn_);
    if (!js.ok()) Die("jetstream", js.status());
    js_ = std::move(*js);
    if (Status st = js_->EnsureStream(queue::MakeStreamConfig(settings_)); !st.ok()) {
      Die("stream", st);
    }
    if (Status st = js_->EnsureConsumer(queue::MakeConsumerConfig(settings_)); !st.ok()) {
      Die("consumer", st);
    }
    publisher_ = std::make_unique<queue::JetStreamTaskPublisher>(*js_);
    timed_publisher_ = std::make_unique<TimingPublisher>(*publisher_, app.roles());
    queue::TaskRelayOptions ro;
    ro.instance_id = "bench";
    ro.redrive_after = std::max<Duration>(std::chrono::minutes(10), 4 * settings_.ack_wait);
    relay_ = std::make_unique<queue::TaskRelay>(
        app.store(), *timed_publisher_, app.clock(), app.log(), app.registry(), ro,
        [this]() -> std::optional<std::uint64_t> {
          auto st = js_->GetConsumerState(settings_.stream, std::string(queue::kWorkerDurable));
          if (!st.ok()) return std::nullopt;
          return st->num_pending;
        });
    queue::JetStreamWorkerOptions wo;
    wo.concurrency = s.concurrency;
    wo.max_batch = s.batch;
    wo.lease = settings_.ack_wait;
    wo.max_deliver = queue::MakeConsumerConfig(settings_).max_deliver;
    wo.durable = std::string(queue::kWorkerDurable);
    wo.subjects = std::string(queue::kTaskSubjects);
    worker_ = std::make_unique<queue::JetStreamWorker>(*js_, app.store(), app.executor(),
                                                       app.clock(), app.log(), app.registry(), wo);
  }
  ~NatsSide() {
    worker_.reset();
    relay_.reset();
    timed_publisher_.reset();
    publisher_.reset();
    js_.reset();
    conn_.reset();
    Track(g_servers, server_.get(), false);
    server_.reset();
  }

  queue::TaskRelay& relay() { return *relay_; }
  queue::JetStreamWorker& worker() { return *worker_; }
  nats::JetStream& js() { return *js_; }
  TimingPublisher& publisher() { return *timed_publisher_; }

 private:
  queue::TaskStreamSettings settings_;
  std::unique_ptr<nats::NatsTestServer> server_;
  std::unique_ptr<nats::NatsConnection> conn_;
  std::unique_ptr<nats::JetStream> js_;
  std::unique_ptr<queue::TaskPublisher> publisher_;
  std::unique_ptr<TimingPublisher> timed_publisher_;
  std::unique_ptr<queue::TaskRelay> relay_;
  std::unique_ptr<queue::JetStreamWorker> worker_;
};

std::unique_ptr<queue::EmbeddedWorker> MakeEmbedded(App& app, const Settings& s) {
  queue::EmbeddedWorkerOptions wo;
  wo.concurrency = s.concurrency;
  wo.max_batch = s.batch;
  return std::make_unique<queue::EmbeddedWorker>(app.store(), app.executor(), app.clock(),
                                                 app.log(), app.registry(), wo);
}

// Polls `cond` every millisecond until it holds or `deadline_s` passes; seconds waited, or a
// negative number on timeout.
double WaitUntil(const std::function<bool()>& cond, int deadline_s) {
  const auto start = SteadyClock::now();
  const auto end = start + std::chrono::seconds(deadline_s);
  while (!cond()) {
    if (SteadyClock::now() > end) return -1;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return SecondsSince(start);
}

void CheckAllDone(App& app, int expected, const std::string& what) {
  auto states = app.TaskStates(expected + 1000);
  if (states[TaskState::kDone] != expected || states.size() != 1) {
    std::cerr << "nats_pipeline_bench: " << what << ": expected " << expected
              << " done tasks, got done=" << states[TaskState::kDone]
              << " pending=" << states[TaskState::kPending]
              << " running=" << states[TaskState::kRunning]
              << " failed=" << states[TaskState::kFailed] << "\n";
    std::exit(1);
  }
}

// Where the relay thread and the worker threads spent a phase of `seconds`, from the timing
// store and publisher. Store "wait" is the time to get the writer (its mutex and BEGIN
// IMMEDIATE), "body" the statements, "commit" the COMMIT.
std::string Breakdown(App& app, const TimingPublisher* publisher, double seconds, int tasks,
                      int worker_threads) {
  const auto by_role = app.timing().ByRole(app.roles());
  auto get = [&](Role r) {
    auto it = by_role.find(r);
    return it == by_role.end() ? TimingStore::Stats{} : it->second;
  };
  auto sec = [](std::int64_t ns) { return static_cast<double>(ns) / 1e9; };
  char line[512];
  std::string out;
  if (publisher != nullptr && publisher->messages() > 0) {
    const auto r = get(Role::kRelay);
    const double pub = publisher->seconds();
    const double db = sec(r.wait_ns + r.body_ns + r.commit_ns + r.read_ns);
    std::snprintf(
        line, sizeof line,
        "    relay thread (%.2f s): publish %.2f s (%lld msgs in %lld rounds, %.0f us/msg)"
        "; store %.2f s (%lld reads %.2f s; %lld writes: wait %.2f s, body %.2f s, "
        "commit %.2f s); rest %.2f s\n",
        seconds, pub, static_cast<long long>(publisher->messages()),
        static_cast<long long>(publisher->calls()),
        pub * 1e6 / static_cast<double>(publisher->messages()), db, static_cast<long long>(r.reads),
        sec(r.read_ns), static_cast<long long>(r.writes), sec(r.wait_ns), sec(r.body_ns),
        sec(r.commit_ns), seconds - pub - db);
    out += line;
  }
  const auto w = get(Role::kWorker);
  if (w.writes > 0) {
    const int threads = std::max(1, app.roles().Count(Role::kWorker));
    const double total = seconds * worker_threads;
    const double db = sec(w.wait_ns + w.body_ns + w.commit_ns + w.read_ns);
    // Each batch is one claim write and one outcome write.
    const double batches = static_cast<double>(w.writes) / 2;
    std::snprintf(line, sizeof line,
                  "    worker threads (%d x %.2f s = %.2f thread-s, %d ran tasks): store %.2f s "
                  "(%lld reads %.2f s; %lld writes: wait %.2f s, body %.2f s, commit %.2f s); "
                  "~%.0f batches of ~%.1f tasks; rest (fetch/ack/idle) %.2f s\n",
                  worker_threads, seconds, total, threads, db, static_cast<long long>(w.reads),
                  sec(w.read_ns), static_cast<long long>(w.writes), sec(w.wait_ns), sec(w.body_ns),
                  sec(w.commit_ns), batches, batches > 0 ? tasks / batches : 0.0, total - db);
    out += line;
  }
  const auto o = get(Role::kOther);
  if (o.writes + o.reads > 0) {
    std::snprintf(
        line, sizeof line,
        "    producer/other threads: %lld reads %.2f s; %lld writes: wait %.2f s, body %.2f s, "
        "commit %.2f s\n",
        static_cast<long long>(o.reads), sec(o.read_ns), static_cast<long long>(o.writes),
        sec(o.wait_ns), sec(o.body_ns), sec(o.commit_ns));
    out += line;
  }
  return out;
}

// A closed database holding one location, its servers and `n` issued keys with their pending
// provision tasks (KeyService::Issue, one commit each): what the throughput scenarios start
// from. Issuing 20,000 keys takes a while, so it is done once and the file copied.
struct Template {
  std::string path;
  int keys = 0;
  double issue_s = 0;  // how long the n Issue calls took
  ~Template() {
    if (path.empty()) return;
    std::remove(path.c_str());
    Track(g_files, path, false);
  }
};

void MakeTemplate(const Settings& s, Template& out) {
  {
    App app(s, "template", static_cast<std::size_t>(s.keys));
    const auto start = SteadyClock::now();
    for (int i = 1; i <= s.keys; ++i) app.Issue(i);
    out.issue_s = SecondsSince(start);
    out.keys = s.keys;
    out.path = app.Keep();
  }
  Track(g_files, out.path, true);  // the App forgot it when it went
}

// ---- figure 1: throughput

struct Throughput {
  std::string mode;
  int tasks = 0;
  double seconds = 0;
  double relay_done_s = -1;  // JetStream: when the relay had published every task
  std::string breakdown;
  double rate() const { return seconds > 0 ? tasks / seconds : 0; }
};

Throughput ThroughputJetStream(const Settings& s, const Template& preloaded) {
  App app(s, "tp-js", static_cast<std::size_t>(s.keys), preloaded.path);
  NatsSide side(app, s);
  Throughput out;
  out.mode = "jetstream";
  out.tasks = s.keys;
  auto& published = app.registry().GetCounter("vpnhub_nats_published_total", "");
  app.timing().Reset();
  const auto start = SteadyClock::now();
  side.relay().Start();
  side.worker().Start();
  double relay_done = -1;
  const double took = WaitUntil(
      [&] {
        if (relay_done < 0 && published.Value() >= s.keys) relay_done = SecondsSince(start);
        return app.Done() >= s.keys;
      },
      s.drain_seconds);
  if (took >= 0 && relay_done < 0) {
    // The worker can finish a round's tasks before the relay has marked them relayed.
    WaitUntil([&] { return published.Value() >= s.keys; }, s.drain_seconds);
    relay_done = SecondsSince(start);
  }
  side.worker().Stop();
  side.relay().Stop();
  if (took < 0) Die("throughput jetstream", DeadlineExceeded("queue did not drain"));
  out.seconds = took;
  out.relay_done_s = relay_done;
  out.breakdown = Breakdown(app, &side.publisher(), took, s.keys, s.concurrency);
  CheckAllDone(app, s.keys, "throughput jetstream");
  if (std::string events = app.log().Summary(); !events.empty()) {
    std::printf("  (jetstream throughput warnings:%s)\n", events.c_str());
  }
  return out;
}

Throughput ThroughputEmbedded(const Settings& s, const Template& preloaded) {
  App app(s, "tp-emb", static_cast<std::size_t>(s.keys), preloaded.path);
  Throughput out;
  out.mode = "embedded";
  out.tasks = s.keys;
  auto worker = MakeEmbedded(app, s);
  app.timing().Reset();
  worker->Start();
  const double took = WaitUntil([&] { return app.Done() >= s.keys; }, s.drain_seconds);
  worker->Stop();
  if (took < 0) Die("throughput embedded", DeadlineExceeded("queue did not drain"));
  out.seconds = took;
  out.breakdown = Breakdown(app, nullptr, took, s.keys, s.concurrency);
  CheckAllDone(app, s.keys, "throughput embedded");
  if (std::string events = app.log().Summary(); !events.empty()) {
    std::printf("  (embedded throughput warnings:%s)\n", events.c_str());
  }
  return out;
}

// ---- figure 2: latency under a steady offered load

struct Latency {
  std::string mode;
  int offered = 0;
  double achieved = 0;  // keys/s the producer actually committed
  int issued = 0;
  int measured = 0;  // keys with both stamps
  int early = 0;     // handler started before Issue returned to the producer (counted as 0)
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  double drain_s = 0;  // after the producer stopped, until every task was done
  double phase_s = 0;  // offering + draining
  std::string breakdown;
};

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

// Offers `rate` keys/s for s.seconds: every millisecond the producer issues as many keys as the
// schedule says are due (Issue, stamp, `wake`). Then waits for the queue to drain.
Latency MeasureLatency(const std::string& mode, App& app, const Settings& s, int rate,
                       const std::function<void()>& wake) {
  Latency out;
  out.mode = mode;
  out.offered = rate;
  const std::size_t max_keys = static_cast<std::size_t>(rate) * s.seconds + 10;
  std::vector<std::int64_t> commit_ns(max_keys + 1, 0);
  const auto start = SteadyClock::now();
  const auto end = start + std::chrono::seconds(s.seconds);
  std::int64_t issued = 0;
  auto next_tick = start;
  while (true) {
    const auto now = SteadyClock::now();
    if (now >= end) break;
    const auto due =
        static_cast<std::int64_t>(std::chrono::duration<double>(now - start).count() * rate);
    while (issued < due && SteadyClock::now() < end) {
      const Id key = app.Issue(issued + 1);
      const std::int64_t stamp = NowNs();
      if (key > 0 && static_cast<std::size_t>(key) < commit_ns.size()) commit_ns[key] = stamp;
      wake();
      ++issued;
    }
    next_tick += milliseconds(1);
    std::this_thread::sleep_until(next_tick);
  }
  const double offered_s = SecondsSince(start);
  out.issued = static_cast<int>(issued);
  out.achieved = static_cast<double>(issued) / offered_s;
  out.drain_s = WaitUntil([&] { return app.Done() >= issued; }, s.drain_seconds);
  out.phase_s = SecondsSince(start);
  if (out.drain_s < 0) {
    std::printf("  (%s @%d/s: only %lld of %lld tasks done after %d s)\n", mode.c_str(), rate,
                static_cast<long long>(app.Done()), static_cast<long long>(issued),
                s.drain_seconds);
  }
  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(issued));
  for (std::size_t id = 1; id < commit_ns.size(); ++id) {
    const std::int64_t handled = app.stamps().FirstCreateNs(static_cast<Id>(id));
    if (commit_ns[id] == 0 || handled == 0) continue;
    std::int64_t d = handled - commit_ns[id];
    if (d < 0) {
      ++out.early;
      d = 0;
    }
    ms.push_back(static_cast<double>(d) / 1e6);
  }
  std::sort(ms.begin(), ms.end());
  out.measured = static_cast<int>(ms.size());
  out.p50_ms = Percentile(ms, 0.50);
  out.p90_ms = Percentile(ms, 0.90);
  out.p99_ms = Percentile(ms, 0.99);
  out.max_ms = ms.empty() ? 0 : ms.back();
  return out;
}

Latency LatencyJetStream(const Settings& s, int rate) {
  const std::size_t max_keys = static_cast<std::size_t>(rate) * s.seconds + 10;
  App app(s, "lat-js-" + std::to_string(rate), max_keys);
  NatsSide side(app, s);
  side.relay().Start();
  side.worker().Start();
  std::this_thread::sleep_for(milliseconds(300));  // the worker's pull subscription is up
  app.timing().Reset();
  side.publisher().Reset();
  Latency out = MeasureLatency("jetstream", app, s, rate, [&] { side.relay().Wake(); });
  out.breakdown = Breakdown(app, &side.publisher(), out.phase_s, out.issued, s.concurrency);
  side.worker().Stop();
  side.relay().Stop();
  if (std::string events = app.log().Summary(); !events.empty()) {
    std::printf("  (jetstream @%d/s warnings:%s)\n", rate, events.c_str());
  }
  return out;
}

Latency LatencyEmbedded(const Settings& s, int rate) {
  const std::size_t max_keys = static_cast<std::size_t>(rate) * s.seconds + 10;
  App app(s, "lat-emb-" + std::to_string(rate), max_keys);
  auto worker = MakeEmbedded(app, s);
  worker->Start();
  std::this_thread::sleep_for(milliseconds(300));
  app.timing().Reset();
  Latency out = MeasureLatency("embedded", app, s, rate, [&] { worker->Wake(); });
  out.breakdown = Breakdown(app, nullptr, out.phase_s, out.issued, s.concurrency);
  worker->Stop();
  if (std::string events = app.log().Summary(); !events.empty()) {
    std::printf("  (embedded @%d/s warnings:%s)\n", rate, events.c_str());
  }
  return out;
}

// ---- splits: where the JetStream time goes

struct Splits {
  int tasks = 0;
  double relay_alone_s = 0;   // relay only, worker stopped: read + publish + mark
  double worker_alone_s = 0;  // then the worker only, on a stream holding every task
  std::string relay_breakdown, worker_breakdown;
  int raw_messages = 0;
  int raw_round = 0;        // messages per pipelined round (the relay's batch size)
  double raw_one_s = 0;     // js.Publish, one at a time (waits for each ack before the next)
  double raw_rounds_s = 0;  // js.PublishBatch per round of raw_round, as the relay publishes
};

// Raw publishes on a side stream of the same server, no database: `n` messages with
// Nats-Msg-Id, first one at a time (each waits for its ack), then pipelined in rounds of the
// relay's batch size through JetStream::PublishBatch, as the relay publishes a round.
void RawPublish(NatsSide& side, int n, Splits& out) {
  nats::StreamConfig sc;
  sc.name = "BENCH_RAW";
  sc.subjects = {"bench.raw.>"};
  if (Status st = side.js().EnsureStream(sc); !st.ok()) Die("raw stream", st);
  const std::string payload(64, 'p');
  auto start = SteadyClock::now();
  for (int i = 0; i < n; ++i) {
    auto ack = side.js().Publish("bench.raw.one", payload, "one-" + std::to_string(i));
    if (!ack.ok()) Die("raw publish one at a time", ack.status());
  }
  out.raw_one_s = SecondsSince(start);

  const int round = queue::TaskRelayOptions{}.batch;
  std::vector<nats::JetStream::Outgoing> messages;
  start = SteadyClock::now();
  for (int first = 0; first < n; first += round) {
    messages.clear();
    for (int i = first; i < std::min(n, first + round); ++i) {
      messages.push_back({"bench.raw.rounds", payload, "rounds-" + std::to_string(i)});
    }
    for (const auto& ack : side.js().PublishBatch(messages)) {
      if (!ack.ok()) Die("raw publish pipelined", ack.status());
    }
  }
  out.raw_rounds_s = SecondsSince(start);
  out.raw_messages = n;
  out.raw_round = round;
}

Splits MeasureSplits(const Settings& s, const Template& preloaded) {
  App app(s, "splits", static_cast<std::size_t>(s.keys), preloaded.path);
  NatsSide side(app, s);
  Splits out;
  out.tasks = s.keys;
  auto& published = app.registry().GetCounter("vpnhub_nats_published_total", "");
  app.timing().Reset();
  side.relay().Start();
  out.relay_alone_s = WaitUntil([&] { return published.Value() >= s.keys; }, s.drain_seconds);
  if (out.relay_alone_s < 0) Die("relay alone", DeadlineExceeded("relay did not finish"));
  out.relay_breakdown = Breakdown(app, &side.publisher(), out.relay_alone_s, s.keys, 0);
  side.relay().Stop();
  app.timing().Reset();
  side.publisher().Reset();
  side.worker().Start();
  out.worker_alone_s = WaitUntil([&] { return app.Done() >= s.keys; }, s.drain_seconds);
  if (out.worker_alone_s < 0) Die("worker alone", DeadlineExceeded("worker did not finish"));
  out.worker_breakdown = Breakdown(app, nullptr, out.worker_alone_s, s.keys, s.concurrency);
  side.worker().Stop();
  CheckAllDone(app, s.keys, "splits");
  RawPublish(side, std::min(s.keys, 10000), out);
  if (std::string events = app.log().Summary(); !events.empty()) {
    std::printf("  (splits warnings:%s)\n", events.c_str());
  }
  return out;
}

// ---- output

void PrintThroughput(const std::vector<Throughput>& rows, const Template& preloaded) {
  std::printf("\n== figure 1: throughput, %d preloaded provision_key tasks, one worker ==\n",
              preloaded.keys);
  std::printf("(preload: %d Issue commits in %.2f s = %.0f/s, done once and copied)\n",
              preloaded.keys, preloaded.issue_s, preloaded.keys / preloaded.issue_s);
  std::printf("%-10s %8s %9s %10s %12s\n", "mode", "tasks", "drain s", "tasks/s", "relay done s");
  for (const auto& r : rows) {
    char relay[32] = "-";
    if (r.relay_done_s >= 0) std::snprintf(relay, sizeof relay, "%.2f", r.relay_done_s);
    std::printf("%-10s %8d %9.2f %10.0f %12s\n", r.mode.c_str(), r.tasks, r.seconds, r.rate(),
                relay);
  }
  for (const auto& r : rows) std::printf("  %s:\n%s", r.mode.c_str(), r.breakdown.c_str());
}

void PrintLatency(const std::vector<Latency>& rows, int seconds) {
  std::printf("\n== figure 2: latency commit -> handler start, %d s per offered rate ==\n",
              seconds);
  std::printf("%-10s %9s %10s %7s %8s %8s %8s %8s %8s %6s %8s\n", "mode", "offered/s", "achieved/s",
              "keys", "measured", "p50 ms", "p90 ms", "p99 ms", "max ms", "early", "drain s");
  for (const auto& r : rows) {
    std::printf("%-10s %9d %10.0f %7d %8d %8.2f %8.2f %8.2f %8.2f %6d %8.2f\n", r.mode.c_str(),
                r.offered, r.achieved, r.issued, r.measured, r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms,
                r.early, r.drain_s);
  }
  for (const auto& r : rows) {
    std::printf("  %s @%d/s (%.2f s):\n%s", r.mode.c_str(), r.offered, r.phase_s,
                r.breakdown.c_str());
  }
}

void PrintSplits(const Splits& s) {
  std::printf("\n== splits: where the JetStream time goes (%d tasks) ==\n", s.tasks);
  std::printf(
      "relay alone (per round: read, publish pipelined then collect the acks, mark): %.2f s = "
      "%.0f tasks/s\n%s",
      s.relay_alone_s, s.tasks / s.relay_alone_s, s.relay_breakdown.c_str());
  std::printf("worker alone (stream preloaded; fetch, claim, run, ack): %.2f s = %.0f tasks/s\n%s",
              s.worker_alone_s, s.tasks / s.worker_alone_s, s.worker_breakdown.c_str());
  std::printf(
      "raw publish one at a time (each waits for its ack), no database (%d msgs): %.2f s = "
      "%.0f msgs/s, %.1f us each\n",
      s.raw_messages, s.raw_one_s, s.raw_messages / s.raw_one_s,
      s.raw_one_s * 1e6 / s.raw_messages);
  std::printf(
      "raw publish pipelined in rounds of %d (as the relay does a round), no database (%d msgs): "
      "%.2f s = %.0f msgs/s, %.1f us each\n",
      s.raw_round, s.raw_messages, s.raw_rounds_s, s.raw_messages / s.raw_rounds_s,
      s.raw_rounds_s * 1e6 / s.raw_messages);
}

const Throughput* Find(const std::vector<Throughput>& rows, const std::string& mode) {
  for (const auto& r : rows) {
    if (r.mode == mode) return &r;
  }
  return nullptr;
}

const Latency* Find(const std::vector<Latency>& rows, const std::string& mode, int rate) {
  for (const auto& r : rows) {
    if (r.mode == mode && r.offered == rate) return &r;
  }
  return nullptr;
}

void Usage(std::FILE* to) {
  std::fprintf(
      to,
      "usage: nats_pipeline_bench [options]\n"
      "NATS task pipeline figures: relay -> JetStream -> worker vs the embedded queue, on a\n"
      "SQLite file with a no-op VPN backend; starts its own nats-server (%s).\n"
      "  --keys N         tasks preloaded for the throughput figure (default 20000)\n"
      "  --rates A,B,...  offered rates for the latency figure, keys/s (default 500,1000,2000)\n"
      "  --seconds S      how long each rate is offered (default 5)\n"
      "  --locations L    locations (one VPN server each) the keys spread over (default 20)\n"
      "  --concurrency C  worker threads (default 4, the service default)\n"
      "  --batch B        worker max_batch (default 64, the service default)\n"
      "  --dir D          where the SQLite files go (default /tmp)\n"
      "  --only MODE      jetstream or embedded (default: both)\n"
      "  --no-splits      skip the relay-alone / worker-alone / raw publish splits\n"
      "  --drain S        give up on a queue that has not drained after S s (default 60)\n",
      VPNHUB_NATS_SERVER);
}

// The first three fields of /proc/loadavg: other work on the machine skews every figure here.
std::string LoadAverage() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (f == nullptr) return "?";
  double a = 0, b = 0, c = 0;
  const int n = std::fscanf(f, "%lf %lf %lf", &a, &b, &c);
  std::fclose(f);
  if (n != 3) return "?";
  char text[64];
  std::snprintf(text, sizeof text, "%.2f %.2f %.2f", a, b, c);
  return text;
}

bool ParseRates(const std::string& text, std::vector<int>& out) {
  out.clear();
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    const int r = std::atoi(part.c_str());
    if (r <= 0) return false;
    out.push_back(r);
  }
  return !out.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--help" || a == "-h") {
      Usage(stdout);
      return 0;
    } else if (a == "--keys" && has_value) {
      s.keys = std::atoi(argv[++i]);
    } else if (a == "--rates" && has_value) {
      if (!ParseRates(argv[++i], s.rates)) {
        Usage(stderr);
        return 2;
      }
    } else if (a == "--seconds" && has_value) {
      s.seconds = std::atoi(argv[++i]);
    } else if (a == "--locations" && has_value) {
      s.locations = std::atoi(argv[++i]);
    } else if (a == "--concurrency" && has_value) {
      s.concurrency = std::atoi(argv[++i]);
    } else if (a == "--batch" && has_value) {
      s.batch = std::atoi(argv[++i]);
    } else if (a == "--dir" && has_value) {
      s.dir = argv[++i];
    } else if (a == "--drain" && has_value) {
      s.drain_seconds = std::atoi(argv[++i]);
    } else if (a == "--only" && has_value) {
      const std::string m = argv[++i];
      if (m != "jetstream" && m != "embedded") {
        Usage(stderr);
        return 2;
      }
      s.jetstream = m == "jetstream";
      s.embedded = m == "embedded";
    } else if (a == "--no-splits") {
      s.splits = false;
    } else {
      Usage(stderr);
      return 2;
    }
  }
  if (s.keys <= 0 || s.seconds <= 0 || s.locations <= 0 || s.concurrency <= 0 || s.batch <= 0 ||
      s.drain_seconds <= 0) {
    Usage(stderr);
    return 2;
  }
  if (!s.jetstream) s.splits = false;

  std::printf(
      "nats_pipeline_bench: SQLite files in %s (WAL, synchronous=NORMAL), %d locations, "
      "worker concurrency %d, max_batch %d, %u CPUs, load average %s\n",
      s.dir.c_str(), s.locations, s.concurrency, s.batch, std::thread::hardware_concurrency(),
      LoadAverage().c_str());
  std::fflush(stdout);

  Template preloaded;
  MakeTemplate(s, preloaded);
  std::vector<Throughput> tp;
  if (s.jetstream) tp.push_back(ThroughputJetStream(s, preloaded));
  if (s.embedded) tp.push_back(ThroughputEmbedded(s, preloaded));
  PrintThroughput(tp, preloaded);
  std::fflush(stdout);

  std::vector<Latency> lat;
  for (int rate : s.rates) {
    if (s.jetstream) lat.push_back(LatencyJetStream(s, rate));
    if (s.embedded) lat.push_back(LatencyEmbedded(s, rate));
  }
  PrintLatency(lat, s.seconds);
  std::fflush(stdout);

  if (s.splits) PrintSplits(MeasureSplits(s, preloaded));

  std::printf("\n");
  const Throughput* js_tp = Find(tp, "jetstream");
  const Throughput* emb_tp = Find(tp, "embedded");
  if (js_tp) {
    std::printf("FIGURE 1 throughput: jetstream %.0f tasks/s (%d tasks, target >= 5000/s: %s)\n",
                js_tp->rate(), js_tp->tasks, js_tp->rate() >= 5000 ? "met" : "NOT met");
  }
  for (int rate : s.rates) {
    const Latency* j = Find(lat, "jetstream", rate);
    if (!j) continue;
    std::printf(
        "FIGURE 2 latency @%d/s offered (%.0f/s achieved): jetstream p50 %.2f ms, p99 %.2f ms, "
        "max %.2f ms\n",
        rate, j->achieved, j->p50_ms, j->p99_ms, j->max_ms);
  }
  if (emb_tp) {
    std::printf("FIGURE 3 embedded: throughput %.0f tasks/s", emb_tp->rate());
    for (int rate : s.rates) {
      if (const Latency* e = Find(lat, "embedded", rate)) {
        std::printf("; @%d/s p50 %.2f ms p99 %.2f ms max %.2f ms", rate, e->p50_ms, e->p99_ms,
                    e->max_ms);
      }
    }
    std::printf("\n");
  }
  if (js_tp && emb_tp) {
    std::printf("FIGURE 3 ratios jetstream/embedded: throughput %.2f",
                js_tp->rate() / emb_tp->rate());
    for (int rate : s.rates) {
      const Latency* j = Find(lat, "jetstream", rate);
      const Latency* e = Find(lat, "embedded", rate);
      if (j && e && e->p99_ms > 0) std::printf("; p99 @%d/s %.2f", rate, j->p99_ms / e->p99_ms);
    }
    std::printf("\n");
  }
  std::printf("load average at the end: %s\n", LoadAverage().c_str());
  nats::ShutdownLibrary();
  return 0;
}
