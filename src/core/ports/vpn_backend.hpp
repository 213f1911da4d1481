#pragma once
// The VPN backend port: make a key exist or not exist on one VPN server.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/secrets.hpp"
#include "core/status.hpp"

namespace vpnhub::ports {

// What a VPN server reports about one key it holds.
struct RemoteKey {
  std::string remote_id;  // shadowsocks: the port number as text
  std::string secret;
};

// Bytes one key moved through the server since the server began counting (it may restart at 0
// when the remote side is reset).
struct KeyTraffic {
  std::string remote_id;  // as RemoteKey::remote_id
  std::uint64_t bytes = 0;
};

// The ports a server's keys take on a control endpoint that several servers may share
// (shadowsocks: port_from..port_to on its ss-manager). Two servers whose ranges overlap on one
// endpoint would hand out each other's ports.
struct KeyPortRange {
  std::string endpoint_host;  // as configured, not resolved
  int endpoint_port = 0;
  int first = 0;  // inclusive
  int last = 0;   // inclusive
};

// What a person receives for one key (rendered by src/formats/): some kinds give a link, some a
// configuration file, and the QR code shows one of them.
struct KeyDelivery {
  std::string link;         // the link a client app imports (ss://...); empty when none
  std::string config_name;  // a configuration file's name ("vpn.conf"); empty when none
  std::string config;       // that file's content
  std::string qr_text;      // what the QR code encodes: the link or the file; empty for no QR
  // The proxy links a subscription lists for the key when `link` is not one itself (the panels'
  // `link` is their subscription URL): the panel kinds fill it from what FetchRemoteData stored,
  // never by calling the panel. Empty: the subscription lists `link` (unless it is an http(s)
  // URL) and `config`.
  std::vector<std::string> links;
};

// One implementation per server kind (registered by name, see src/vpn/kinds.cpp). Every call has a
// deadline: a server that does not answer in time gives kDeadlineExceeded, an unreachable one
// kUnavailable (both retryable); a server that answers with a refusal gives kFailedPrecondition or
// kInternal. Implementations are thread-safe.
class VpnBackend {
 public:
  virtual ~VpnBackend() = default;
  virtual ServerKind kind() const = 0;
  // Checks the kind-specific settings of a server (and its capacity against them) without any
  // I/O. kInvalidArgument names the setting that is wrong.
  virtual Status ValidateSettings(const Server& server) const = 0;
  // The port range the server's keys take on its control endpoint, read from the settings
  // without I/O; nullopt for a kind whose keys take no port of a shared endpoint.
  // kInvalidArgument as ValidateSettings.
  virtual Result<std::optional<KeyPortRange>> KeyPorts(const Server& server) const = 0;
  // Makes `key` exist on the server with exactly its credential. Idempotent: a key already there
  // with the same credential is success and is left untouched. kAlreadyExists when the place the
  // key needs (shadowsocks: its port) is held by another credential: that one is never removed
  // or replaced, and retrying cannot help.
  virtual Status CreateKey(const Server& server, const Key& key) = 0;
  // What the server made for `key` once CreateKey succeeded, for kinds whose server makes part of
  // the credential (AmneziaWG: the client's id and its configuration): stored as
  // Key::remote_data in the commit that activates the key, and handed back in `key` to DeleteKey
  // and Delivery. Idempotent; errors as CreateKey (a retryable one retries the provisioning).
  // Kinds whose keys the hub makes whole have nothing to fetch: the default is empty, no I/O.
  virtual Result<std::string> FetchRemoteData(const Server& server, const Key& key) {
    (void)server;
    (void)key;
    return std::string();
  }
  // Makes the key's terms on the server what `key` holds now: its expiry (Key::expires_at) and
  // traffic limit (Key::traffic_limit_bytes), for kinds whose server enforces them (the panels).
  // The hub calls it (task sync_key) after the key's expiry changed (a renewal, a refund, `key
  // extend`), so that the server does not end a key the person paid for. Idempotent; errors as
  // CreateKey. Kinds whose server keeps no terms: the default, Ok with no I/O.
  virtual Status UpdateKey(const Server& server, const Key& key) {
    (void)server;
    (void)key;
    return Status::Ok();
  }
  // Makes `key` absent from the server. Idempotent: an absent key is success.
  virtual Status DeleteKey(const Server& server, const Key& key) = 0;
  // Every key the server holds.
  virtual Result<std::vector<RemoteKey>> ListKeys(const Server& server) = 0;
  // Ok when the server answers.
  virtual Status Ping(const Server& server) = 0;

  // ---- reconciliation (core/usecases/reconcile.hpp): the database against ListKeys. Pure, no
  // I/O, except DeleteRemoteKey. The defaults are a kind that cannot be reconciled: its servers
  // are skipped (RemoteIdOf nullopt), nothing it lists is ever removed (IsOurRemoteKey false)
  // and no credential counts as differing (SameCredential true).
  // The remote_id ListKeys gives the key on `server` (shadowsocks: port_from + slot as text);
  // nullopt when this kind cannot tell without asking the server.
  virtual std::optional<std::string> RemoteIdOf(const Server& server, const Key& key) const {
    (void)server;
    (void)key;
    return std::nullopt;
  }
  // Whether a listed key the database does not hold carries the hub's naming scheme on `server`
  // (shadowsocks: a port of the server's own range), so that it may be removed as an orphan.
  virtual bool IsOurRemoteKey(const Server& server, const RemoteKey& remote) const {
    (void)server;
    (void)remote;
    return false;
  }
  // Whether `remote` (listed under RemoteIdOf(key)) carries exactly `key`'s credential.
  virtual bool SameCredential(const Key& key, const RemoteKey& remote) const {
    (void)key;
    (void)remote;
    return true;
  }
  // Makes the listed `remote` absent from the server: a key the database does not hold, or one
  // whose credential differs from its key's. Idempotent: absent is success; a place that now
  // holds another credential than `remote.secret` is left alone (Ok). Errors as DeleteKey;
  // kFailedPrecondition for a kind that cannot (the default).
  virtual Status DeleteRemoteKey(const Server& server, const RemoteKey& remote) {
    (void)remote;
    return FailedPrecondition("servers of kind " + server.kind +
                              " cannot have a key removed that the hub does not hold");
  }
  // Traffic per key, for kinds whose server counts it; nullopt (no I/O) for a kind whose server
  // does not. Errors as ListKeys.
  virtual Result<std::optional<std::vector<KeyTraffic>>> Traffic(const Server& server) {
    (void)server;
    return std::optional<std::vector<KeyTraffic>>();
  }
  // A new key's secret (Key::secret), the credential this kind derives everything else from
  // together with the key's slot (shadowsocks: the password; the port is port_from + slot).
  // Drawn from `secrets`; no I/O.
  virtual std::string NewSecret(SecretSource& secrets) const = 0;
  // What a person imports into their VPN client for `key`, carrying `name` as the name the
  // client shows for it (see formats/share_name.hpp), encoded as the format needs. Pure: no I/O.
  // kInvalidArgument as ValidateSettings, or when the server has no public host.
  virtual Result<KeyDelivery> Delivery(const Server& server, const Key& key,
                                       const std::string& name) const = 0;
};

}  // namespace vpnhub::ports
