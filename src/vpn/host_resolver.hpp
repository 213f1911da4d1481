#pragma once
// Name resolution for VPN calls that open their own sockets (ss-manager's UDP protocol), with a
// deadline per call and a bounded number of threads.
//
// getaddrinfo has no timeout and cannot be cancelled, so a lookup runs on a lookup thread while
// the caller waits only until its deadline. At most `threads` lookup threads ever exist, however
// long lookups hang: lookups beyond them wait in a queue of at most `max_waiting`, and a call
// that finds the queue full fails at once with kUnavailable (retryable). Calls for a host that is
// already being looked up wait for that lookup instead of starting another. A successful answer
// is reused for `ttl`; a failed one is not kept.
//
// Thread-safe. The lookup threads hold their own reference to the resolver's state, so
// destroying the resolver never waits for a hanging lookup: such a thread ends when its lookup
// returns.
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/status.hpp"

namespace vpnhub::vpn {

struct ResolvedAddress {
  sockaddr_storage addr{};
  socklen_t len = 0;
};

// getaddrinfo for a UDP peer (first address returned). kUnavailable naming the host when it does
// not resolve.
Result<ResolvedAddress> SystemLookup(const std::string& host, int port);

// An IPv4 or IPv6 literal as an address, without a lookup; nullopt for anything else.
std::optional<ResolvedAddress> AddressFromLiteral(const std::string& host, int port);

struct HostResolverOptions {
  int threads = 2;       // lookup threads, started on demand, never more
  int max_waiting = 32;  // lookups queued for a thread; a call beyond this fails at once
  std::chrono::milliseconds ttl{60000};  // how long a successful answer is reused
};

class HostResolver {
 public:
  using SteadyClock = std::chrono::steady_clock;
  // `lookup` does the blocking work (SystemLookup in production; tests inject a hanging one).
  explicit HostResolver(
      HostResolverOptions options = {},
      std::function<Result<ResolvedAddress>(const std::string&, int)> lookup = SystemLookup);
  ~HostResolver();
  HostResolver(const HostResolver&) = delete;
  HostResolver& operator=(const HostResolver&) = delete;

  // The address of host:port. IP literals return at once. Errors: kDeadlineExceeded when the
  // lookup has not answered by `deadline` (it goes on, and a later call may use its answer);
  // kUnavailable when the host does not resolve or when max_waiting lookups are queued already
  // (the message says which).
  Result<ResolvedAddress> Resolve(const std::string& host, int port,
                                  SteadyClock::time_point deadline);

  // Lookup threads alive now (never more than options.threads).
  int threads() const;

 private:
  struct State;
  static void LookupLoop(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

}  // namespace vpnhub::vpn
