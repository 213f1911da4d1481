#pragma once
// A client of shadowsocks-libev's ss-manager UDP control protocol (one ASCII datagram per
// request, replies to the sender):
//   add: {"server_port":P,"password":"..","method":".."} -> "ok" | "port is not available" | "err"
//   remove: {"server_port":P}                            -> "ok" (also for unknown ports) | "err"
//   list   -> [{"server_port":"P","password":"..","method":".."}, ...]  (port is a string)
//   ping   -> stat: {"P":bytes, ...}                                  (may span several datagrams)
//
// Thread-safe: every call opens its own socket and shares no state. Every call ends by its
// deadline: a manager that does not answer gives kDeadlineExceeded naming the manager address;
// one that cannot be reached (send error, ICMP port unreachable) gives kUnavailable.
// Error messages never contain passwords.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/host_rules.hpp"
#include "core/status.hpp"
#include "vpn/host_resolver.hpp"

namespace vpnhub::vpn::shadowsocks {

// "host:port" split up. The host is an IPv4 literal, a hostname, or an IPv6 literal written as
// "[::1]:port" (brackets removed here).
struct HostPort {
  std::string host;
  int port = 0;
};
// kInvalidArgument unless `address` is "host:port" with a non-empty host and a port 1..65535.
Result<HostPort> ParseHostPort(const std::string& address);

// ParsePort (core/host_rules.hpp) reads a port number.
using ::vpnhub::ParsePort;

// One port the manager runs an ss-server on.
struct ManagedPort {
  int port = 0;
  std::string password;
  std::string method;  // empty when the manager did not say
};

// Ok when ss-manager can hold `password` faithfully: 1..127 printable ASCII characters other than
// space, double quote and backslash (it truncates longer ones and lists them without JSON
// escaping). The kInvalidArgument message does not contain the password.
Status CheckPassword(const std::string& password);

// The status Add gives when the manager answers "port is not available" (kUnavailable: the port
// may still be held by an ss-server that is shutting down).
bool IsPortNotAvailable(const Status& status);

class SsManagerClient {
 public:
  // `address` is "host:port" of the manager. `deadline` bounds each call from start to end
  // (including name resolution). `idle_gap` is how long a call that may get its reply in several
  // datagrams (list, ping) waits for one more before it takes what it has. `resolver` (must
  // outlive the client) resolves a host name; without one only IP literals work and a host name
  // is kInvalidArgument.
  explicit SsManagerClient(std::string address,
                           std::chrono::milliseconds deadline = std::chrono::seconds(3),
                           std::chrono::milliseconds idle_gap = std::chrono::milliseconds(50),
                           HostResolver* resolver = nullptr);

  // Starts an ss-server on `port`. Never call it for a port that is live: ss-manager first kills
  // the running server and may then lose the race to rebind it. Errors: "port is not available"
  // -> kUnavailable (see IsPortNotAvailable); "err" or any other reply -> kInternal.
  Status Add(int port, const std::string& password, const std::string& method) const;
  // Stops the ss-server on `port`; Ok also when there is none.
  Status Remove(int port) const;
  // Every port the manager runs. Entries it cannot read are skipped.
  Result<std::vector<ManagedPort>> List() const;
  // Cumulative bytes per port since each port's ss-server started (updated by ss-server every
  // 5 s). Ok with an empty map when the manager answers but reports nothing.
  Result<std::map<int, std::int64_t>> Ping() const;

  const std::string& address() const { return address_; }

 private:
  enum class ReplyShape { kSingle, kList, kStat };
  // Sends `request` and returns the reply datagrams (at least one).
  Result<std::vector<std::string>> Call(const std::string& verb, const std::string& request,
                                        ReplyShape shape) const;

  std::string address_;
  std::chrono::milliseconds deadline_;
  std::chrono::milliseconds idle_gap_;
  HostResolver* resolver_;
};

// Reply parsers, exposed for tests. They accept what ss-manager 3.3.5 really sends, including a
// ping reply split into chunks where later chunks lack the "stat: {" prefix.
Result<std::vector<ManagedPort>> ParseListReply(const std::string& text);
Result<std::map<int, std::int64_t>> ParseStatReply(const std::string& text);

}  // namespace vpnhub::vpn::shadowsocks
