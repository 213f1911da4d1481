#pragma once
// Issuing and revoking keys. Each state change commits together with the task it implies.
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/secrets.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"
#include "core/usecases/backends.hpp"

namespace vpnhub::usecases {

// The longest extension `KeyService::Extend` grants at once, in days (ten years).
inline constexpr int kMaxExtendDays = 3650;

struct IssueKeyRequest {
  TgId tg_id = 0;
  std::string username;       // kept on a new user record
  std::string lang;           // kept on a new user record; empty = default
  std::string location_name;  // or, when location_id != 0, the location by id
  Id location_id = 0;
  Duration duration{0};
  bool is_trial = false;  // the person's one trial: refused when already used
  std::int64_t traffic_limit_bytes = 0;
  bool announce_when_ready = false;  // send the person their link once the key is active
  // A message enqueued in the same transaction (e.g. "your key is being set up"); its chat_id
  // is filled in from tg_id.
  std::optional<OutgoingMessage> reply;
};

struct IssuedKey {
  Key key;
  Server server;
  Location location;
  User user;
  Id task_id = 0;  // the provisioning task
};

class KeyService {
 public:
  // The key's secret is made by the backend of its server's kind (VpnBackend::NewSecret).
  KeyService(ports::Store& store, const Backends& backends, ports::SecretSource& secrets,
             const ports::Clock& clock, std::string default_lang)
      : store_(store),
        backends_(backends),
        secrets_(secrets),
        clock_(clock),
        default_lang_(std::move(default_lang)) {}

  // Records a pending key on the least loaded server of the location and its provisioning task,
  // in one transaction; creates the user record when the tg id is new.
  // Errors: kInvalidArgument (bad id or duration), kNotFound (unknown location),
  // kFailedPrecondition (location disabled, trial used, no backend for the chosen server's kind),
  // kResourceExhausted (no capacity).
  Result<IssuedKey> Issue(const IssueKeyRequest& request);
  // Issue's work inside the caller's write transaction `tx` at `now` (the billing use cases
  // issue a bought key in the transaction that credits its payment). Same errors; after an
  // error the caller must roll the transaction back (return an error from its callback).
  Result<IssuedKey> IssueIn(ports::StoreTx& tx, const IssueKeyRequest& request, Time now);

  // Moves a pending or active key to revoking and enqueues its revoke task, in one transaction.
  // Idempotent: a key already revoking or revoked is success with no new task (nullopt).
  // kNotFound for an unknown key; kFailedPrecondition for a failed key.
  Result<std::optional<Id>> Revoke(Id key_id, const std::string& reason);

  // Adds `days` (1..kMaxExtendDays) to a pending or active key, counted from its expiry, or from
  // now when that has passed, and plans its expiry notices afresh for the new date (notices
  // sent for the old date do not count). Returns the key as stored. kInvalidArgument for days
  // out of range, kNotFound for an unknown key, kFailedPrecondition for a key that is revoking,
  // revoked or failed (it no longer runs: create a new one).
  Result<Key> Extend(Id key_id, int days);

  // The user's keys (by Telegram id), newest first. kNotFound for an unknown user.
  Result<std::vector<Key>> KeysOf(TgId tg_id);

 private:
  // Chooses the least loaded server of out.location and a free slot on it, and draws the key's
  // secret from the server's backend; fills out.server, out.key.server_id, slot and secret.
  Status PlaceKey(ports::StoreTx& tx, IssuedKey& out);

  ports::Store& store_;
  const Backends& backends_;
  ports::SecretSource& secrets_;
  const ports::Clock& clock_;
  std::string default_lang_;
};

}  // namespace vpnhub::usecases
