#include "vpn/host_resolver.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

namespace vpnhub::vpn {

Result<ResolvedAddress> SystemLookup(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    if (found != nullptr) ::freeaddrinfo(found);
    return Unavailable("cannot resolve " + host + ": " +
                       (rc != 0 ? ::gai_strerror(rc) : "no address"));
  }
  ResolvedAddress out;
  std::memcpy(&out.addr, found->ai_addr, found->ai_addrlen);
  out.len = found->ai_addrlen;
  ::freeaddrinfo(found);
  return out;
}

std::optional<ResolvedAddress> AddressFromLiteral(const std::string& host, int port) {
  ResolvedAddress out;
  in_addr v4{};
  in6_addr v6{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out.addr);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<std::uint16_t>(port));
    sin->sin_addr = v4;
    out.len = sizeof(sockaddr_in);
    return out;
  }
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out.addr);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<std::uint16_t>(port));
    sin6->sin6_addr = v6;
    out.len = sizeof(sockaddr_in6);
    return out;
  }
  return std::nullopt;
}

// One lookup of host:port: in flight until `done`, then (when it succeeded) a cache entry until
// `expires`.
struct Lookup {
  std::string host;
  int port = 0;
  bool done = false;
  Result<ResolvedAddress> result = Unavailable("not looked up yet");
  HostResolver::SteadyClock::time_point expires{};
};

struct HostResolver::State {
  HostResolverOptions options;
  std::function<Result<ResolvedAddress>(const std::string&, int)> lookup;

  std::mutex mu;
  std::condition_variable work_cv;  // lookup threads wait here for `queue`
  std::condition_variable done_cv;  // callers wait here for their lookup
  std::deque<std::shared_ptr<Lookup>> queue;
  std::map<std::string, std::shared_ptr<Lookup>> lookups;  // in flight or cached, by host:port
  int threads = 0;
  int idle = 0;  // threads waiting for work
  bool stopping = false;
};

HostResolver::HostResolver(HostResolverOptions options,
                           std::function<Result<ResolvedAddress>(const std::string&, int)> lookup)
    : state_(std::make_shared<State>()) {
  if (options.threads < 1) options.threads = 1;
  if (options.max_waiting < 0) options.max_waiting = 0;
  state_->options = options;
  state_->lookup = std::move(lookup);
}

HostResolver::~HostResolver() {
  std::lock_guard lock(state_->mu);
  state_->stopping = true;
  state_->work_cv.notify_all();
}

int HostResolver::threads() const {
  std::lock_guard lock(state_->mu);
  return state_->threads;
}

void HostResolver::LookupLoop(std::shared_ptr<State> state) {
  std::unique_lock lock(state->mu);
  while (true) {
    ++state->idle;
    state->work_cv.wait(lock, [&] { return state->stopping || !state->queue.empty(); });
    --state->idle;
    if (state->stopping) break;
    std::shared_ptr<Lookup> job = std::move(state->queue.front());
    state->queue.pop_front();
    lock.unlock();
    Result<ResolvedAddress> result = state->lookup(job->host, job->port);
    lock.lock();
    job->result = std::move(result);
    job->done = true;
    job->expires = SteadyClock::now() + state->options.ttl;
    if (!job->result.ok()) {
      // Not cached: the next call asks again. Only this lookup's own entry is removed.
      auto it = state->lookups.find(job->host + "|" + std::to_string(job->port));
      if (it != state->lookups.end() && it->second == job) state->lookups.erase(it);
    }
    state->done_cv.notify_all();
  }
  --state->threads;
}

Result<ResolvedAddress> HostResolver::Resolve(const std::string& host, int port,
                                              SteadyClock::time_point deadline) {
  if (auto literal = AddressFromLiteral(host, port)) return *literal;
  State& s = *state_;
  const std::string key = host + "|" + std::to_string(port);
  std::unique_lock lock(s.mu);
  std::shared_ptr<Lookup> job;
  if (auto it = s.lookups.find(key); it != s.lookups.end()) {
    if (!it->second->done || SteadyClock::now() < it->second->expires) {
      job = it->second;  // in flight (wait for it) or a fresh answer
    } else {
      s.lookups.erase(it);
    }
  }
  if (!job) {
    // Room: idle threads and threads not started yet take a lookup at once, max_waiting more
    // may queue behind them.
    const int room = s.idle + (s.options.threads - s.threads) + s.options.max_waiting;
    if (static_cast<int>(s.queue.size()) >= room) {
      return Unavailable("cannot resolve " + host + " now: " + std::to_string(s.queue.size()) +
                         " lookups are waiting for the " + std::to_string(s.options.threads) +
                         " resolver threads (DNS slow or hanging?)");
    }
    job = std::make_shared<Lookup>();
    job->host = host;
    job->port = port;
    s.lookups[key] = job;
    s.queue.push_back(job);
    if (s.idle < static_cast<int>(s.queue.size()) && s.threads < s.options.threads) {
      try {
        std::thread(LookupLoop, state_).detach();
        ++s.threads;
      } catch (const std::system_error& e) {
        if (s.threads == 0) {
          s.queue.pop_back();
          s.lookups.erase(key);
          return Unavailable(std::string("cannot start a resolver thread: ") + e.what());
        }
      }
    }
    s.work_cv.notify_one();
  }
  if (!s.done_cv.wait_until(lock, deadline, [&] { return job->done; })) {
    return DeadlineExceeded("resolving " + host + " took longer than the call's deadline");
  }
  return job->result;
}

}  // namespace vpnhub::vpn
