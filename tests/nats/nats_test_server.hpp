#pragma once
// Throwaway nats-server processes for tests: JetStream on, loopback only, a free port, the store
// in a temporary directory. Stop()/Start() keep the port and the store, so a test can take the
// server away and bring it back; Pause()/Resume() freeze it (SIGSTOP/SIGCONT) to look like a
// hung server. The destructor kills the process and deletes the directory.
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace vpnhub::nats {

struct NatsTestServerOptions {
  std::string user, password;  // both set: clients must log in
  std::string token;
  // Extra command-line arguments (cluster settings, ...).
  std::vector<std::string> extra_args;
  std::string server_name;  // default: a unique name
  int port = 0;             // 0: pick a free one
  std::string store_dir;    // empty: a new temporary directory (deleted by the destructor)
};

class NatsTestServer {
 public:
  // Starts a new server and waits (with a deadline) until it accepts TCP connections.
  static Result<std::unique_ptr<NatsTestServer>> Create(NatsTestServerOptions options = {});
  ~NatsTestServer();
  NatsTestServer(const NatsTestServer&) = delete;
  NatsTestServer& operator=(const NatsTestServer&) = delete;

  // SIGTERM and wait for exit (SIGKILL after a deadline); the store stays.
  Status Stop();
  // Starts again on the same port and store; waits until it accepts connections.
  Status Start();
  Status Pause();   // SIGSTOP
  Status Resume();  // SIGCONT

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  std::string url() const;  // nats://127.0.0.1:PORT
  const std::string& store_dir() const { return store_dir_; }
  // The server's log so far (for failure messages).
  std::string Log() const;

 private:
  explicit NatsTestServer(NatsTestServerOptions options) : options_(std::move(options)) {}
  Status Launch();

  NatsTestServerOptions options_;
  std::string dir_;  // our temporary directory (log; the store unless one was given)
  std::string store_dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool paused_ = false;
};

// Three JetStream servers in one cluster (routes between all of them), each with its own port,
// cluster port, store and server name.
class NatsTestCluster {
 public:
  static Result<std::unique_ptr<NatsTestCluster>> Start(int size = 3);

  NatsTestServer& server(int i) { return *servers_.at(i); }
  int size() const { return static_cast<int>(servers_.size()); }
  std::vector<std::string> urls() const;

 private:
  std::vector<std::unique_ptr<NatsTestServer>> servers_;
};

// A loopback TCP port nobody listens on right now.
Result<int> FreeLoopbackPort();

}  // namespace vpnhub::nats
