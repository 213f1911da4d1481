#pragma once
// The one way a `vpnhub serve` process is asked to end: SIGINT or SIGTERM from outside, or a
// component that cannot go on (NATS refused the credentials) calling Request. The main thread
// Waits for whichever comes first, then stops the components.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.hpp"

namespace vpnhub::app {

class ShutdownSignal {
 public:
  struct Cause {
    int signal = 0;      // SIGINT or SIGTERM; 0 when a component requested the end
    std::string reason;  // the component's reason ("nats.closed"); empty for a signal
  };

  // Blocks SIGINT and SIGTERM in the calling thread, so create it before any thread starts:
  // threads inherit the mask, and the signals wait for Wait. They stay blocked afterwards (a
  // second SIGTERM during the shutdown does not kill the process halfway). kInternal when the
  // descriptors cannot be opened (out of file descriptors).
  static Result<std::unique_ptr<ShutdownSignal>> Create();
  ~ShutdownSignal();
  ShutdownSignal(const ShutdownSignal&) = delete;
  ShutdownSignal& operator=(const ShutdownSignal&) = delete;

  // Asks the process to end with `exit_code` (the first request's code and reason count). From
  // any thread, also before or after Wait returned.
  void Request(int exit_code, std::string reason);
  // Returns at the first SIGINT/SIGTERM (also one that arrived before) or Request. Only from the
  // thread that constructed the object.
  Cause Wait();
  // The exit code of the first Request; 0 when none came (a signal alone ends cleanly).
  int exit_code() const { return exit_code_.load(); }

 private:
  ShutdownSignal(int signal_fd, int event_fd) : signal_fd_(signal_fd), event_fd_(event_fd) {}

  int signal_fd_ = -1;  // readable when SIGINT or SIGTERM is pending
  int event_fd_ = -1;   // readable after Request
  std::atomic<int> exit_code_{0};
  std::mutex mu_;
  bool requested_ = false;
  std::string reason_;
};

}  // namespace vpnhub::app
