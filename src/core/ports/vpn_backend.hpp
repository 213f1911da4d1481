#pragma once
// The VPN backend port: make a key exist or not exist on one VPN server.
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/status.hpp"

namespace vpnhub::ports {

// What a VPN server reports about one key it holds.
struct RemoteKey {
  std::string remote_id;  // shadowsocks: the port number as text
  std::string secret;
};

// One implementation per server kind. Every call has a deadline: a server that does not answer
// in time gives kDeadlineExceeded, an unreachable one kUnavailable (both retryable); a server
// that answers with a refusal gives kFailedPrecondition or kInternal. Implementations are
// thread-safe.
class VpnBackend {
 public:
  virtual ~VpnBackend() = default;
  virtual ServerKind kind() const = 0;
  // Checks the kind-specific settings of a server (and its capacity against them) without any
  // I/O. kInvalidArgument names the setting that is wrong.
  virtual Status ValidateSettings(const Server& server) const = 0;
  // Makes `key` exist on the server with exactly its credential. Idempotent: a key already there
  // with the same credential is success and is left untouched.
  virtual Status CreateKey(const Server& server, const Key& key) = 0;
  // Makes `key` absent from the server. Idempotent: an absent key is success.
  virtual Status DeleteKey(const Server& server, const Key& key) = 0;
  // Every key the server holds.
  virtual Result<std::vector<RemoteKey>> ListKeys(const Server& server) = 0;
  // Ok when the server answers.
  virtual Status Ping(const Server& server) = 0;
  // The link a person imports into their VPN client. Pure: no I/O.
  virtual Result<std::string> AccessLink(const Server& server, const Key& key) const = 0;
};

}  // namespace vpnhub::ports
