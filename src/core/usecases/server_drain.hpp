#pragma once
// Draining a server (`vpnhub server drain`) and removing an empty one (`vpnhub server remove`).
//
// A drain round, in ONE write transaction: refuses unless the target servers have room for every
// key still to move; disables the drained server (no new keys from then on); and for each of its
// active keys not moved yet inserts a new pending key for the same person on a target (chosen by
// ChooseServer's rules: enabled, healthy, free slot, least loaded), with the same expiry, trial
// flag, traffic limit and notices, its provision_key task, and the move old -> new
// (KeyStore::InsertKeyMove: one new key per old key, however often a round runs). The worker
// provisions the new key; the transaction that activates it (TaskExecutor) revokes the old key
// and sends the person the new key once (kKeyReady with KeyMovedText first). A round run again, or
// after a crash anywhere, finds only the keys not moved yet.
//
// Pending keys on the drained server are not moved while pending (their provisioning may be
// under way and a person may wait for that very key): a round counts them as `pending_here`, and
// a later round moves each once it is active (a failed one holds no slot and is not moved).
#include <optional>
#include <string>

#include "core/domain.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/secrets.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"
#include "core/usecases/backends.hpp"

namespace vpnhub::usecases {

// Where the keys go: by default the other servers of the drained server's location.
struct DrainTarget {
  std::optional<Id> server_id;          // exactly this server
  std::optional<std::string> location;  // the servers of this location
};

// Where a drain stands. total = moved + waiting + failed + to_move + pending_here.
struct DrainProgress {
  int moved = 0;         // new key active, old key revoking or revoked
  int waiting = 0;       // new key pending (being provisioned)
  int failed = 0;        // new key failed (`vpnhub task list --failed`, `task retry`)
  int to_move = 0;       // active keys with no new key yet (0 after a round that succeeded)
  int pending_here = 0;  // pending keys on the drained server, moved once active
  int planned = 0;       // new keys this round made
  int total() const { return moved + waiting + failed + to_move + pending_here; }
  bool finished() const { return waiting == 0 && to_move == 0 && pending_here == 0; }
};

// The text that opens the kKeyReady message of a moved key, in `lang` (en, ru; others get en).
std::string KeyMovedText(const std::string& lang);

// An old key whose move to `new_key_id` just became active is revoked (with its revoke task) in
// the caller's transaction, the one that activates `new_key_id`; `new_key_id` takes the old key's
// expiry and notices as they are now (an extension during the move), with a sync_key task when
// they changed, and a location switch of the old key not done yet replaces `new_key_id` instead.
// Returns whether `new_key_id` replaces a key (then the caller sends the moved-key
// message); false when it replaces none or its move was finished before, and false when the old
// key ended during the move: then `new_key_id` goes to revoking with its revoke task.
Result<bool> FinishKeyMove(ports::StoreTx& tx, Id new_key_id, Time now);

class ServerDrain {
 public:
  ServerDrain(ports::Store& store, const Backends& backends, ports::SecretSource& secrets,
              const ports::Clock& clock)
      : store_(store), backends_(backends), secrets_(secrets), clock_(clock) {}

  // One drain round (above). kNotFound for an unknown server, target server or location;
  // kInvalidArgument when the target is the drained server itself or both target fields are
  // set; kFailedPrecondition when the target server is disabled or unhealthy, or the target
  // location has no other server; kResourceExhausted, naming the room and the need, when the
  // targets' free slots (enabled, healthy servers) are fewer than the keys still to move
  // (nothing changes then: the server stays as it was).
  Result<DrainProgress> Drain(Id server_id, const DrainTarget& target);
  // Where the drain of `server_id` stands, without changing anything. kNotFound when unknown.
  Result<DrainProgress> Progress(Id server_id);
  // Removes a server that holds no key (pending, active or revoking): it leaves every list and
  // its name is freed ("NAME [removed ID]"); its revoked and failed keys keep their rows.
  // kFailedPrecondition with the count of keys it holds (drain it first), kNotFound when unknown
  // or removed already.
  Status Remove(Id server_id);

 private:
  ports::Store& store_;
  const Backends& backends_;
  ports::SecretSource& secrets_;
  const ports::Clock& clock_;
};

}  // namespace vpnhub::usecases
