#pragma once
// The VPN keys people hold, their life cycle and their expiry (ports::KeyStore).
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/status.hpp"
#include "core/time.hpp"

namespace vpnhub::ports {

// Where the keys moved off one server stand (KeyStore::KeyMoveCounts): moves whose old key is on
// that server, by the state of the new key.
struct KeyMoveCounts {
  int done = 0;     // the new key is active (or ended since) and the old one revoking/revoked
  int waiting = 0;  // the new key is pending: its provisioning task has not succeeded yet
  int failed = 0;   // the new key failed to provision (`vpnhub task retry` revives it)
};

struct KeyFilter {
  std::optional<Id> user_id;
  std::optional<KeyState> state;
  int limit = 1000;
};

// Keys: their slots on a server, state moves by compare-and-set, expiry and notices. Reached
// through StoreTx::keys(); valid only inside the transaction that handed it out, not
// thread-safe. Errors: kUnavailable when the database cannot be reached, kInternal on unexpected
// database errors (and for a stored key whose state cannot be read), kFailedPrecondition for a
// write in a read-only transaction; method-specific codes are listed per method.
class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // Inserts a key as given (state, slot, secret, remote_name chosen by the caller).
  // kAlreadyExists when the slot is held by another slot-holding key of the same server, or the
  // remote_name is taken on that server.
  virtual Result<Id> InsertKey(const Key& key) = 0;
  virtual Result<Key> GetKey(Id id) = 0;  // kNotFound when absent
  // The keys with these ids that exist, ordered by id (absent ids are left out). One query.
  virtual Result<std::vector<Key>> GetKeys(const std::vector<Id>& ids) = 0;
  // Keys matching the filter, newest id first.
  virtual Result<std::vector<Key>> ListKeys(const KeyFilter& filter) = 0;
  // Slots held on a server (by keys in pending/active/revoking), ascending.
  virtual Result<std::vector<int>> HeldSlots(Id server_id) = 0;
  // One page of the keys holding a slot on a server (pending/active/revoking): those with slot >
  // after_slot, ascending by slot, at most `limit`. O(limit) through the slot index, so that a
  // reconciliation walks 10,000 keys of one server page by page (pass the last slot of a page as
  // after_slot; -1 for the first).
  virtual Result<std::vector<Key>> ListSlotKeysPage(Id server_id, int after_slot, int limit) = 0;
  // Compare-and-set of the key's state; sets updated_at = now and last_error = error.
  // kConflict when the key is not in `from`, kNotFound when absent.
  virtual Status UpdateKeyState(Id key_id, KeyState from, KeyState to, Time now,
                                const std::string& error) = 0;
  // Compare-and-set failed -> pending on `slot` (updated_at = now, last_error cleared): a key
  // whose provisioning failed for good takes a slot again to be provisioned anew (`vpnhub task
  // retry`). kConflict when the key is not failed, kNotFound when absent, kAlreadyExists when
  // another slot-holding key of the server holds `slot` (nothing changes; the transaction stays
  // usable).
  virtual Status ReviveFailedKey(Id key_id, int slot, Time now) = 0;
  // Stores what the VPN server made for the key (Key::remote_data). kNotFound when absent.
  virtual Status SetKeyRemoteData(Id key_id, const std::string& remote_data) = 0;
  // UpdateKeyState for many keys in one statement: those of `ids` in state `from` move to `to`;
  // returns the ids that moved, ascending (the others were not in `from`, or are absent).
  // kInvalidArgument for a move into a slot-holding state from one that holds none (that can
  // collide with another key's slot: use UpdateKeyState, which reports it per key).
  virtual Result<std::vector<Id>> UpdateKeysState(const std::vector<Id>& ids, KeyState from,
                                                  KeyState to, Time now,
                                                  const std::string& error) = 0;
  // Active keys with expires_at <= now, earliest first, at most limit. Must cost O(result),
  // not O(all keys): implementations keep an index on (state, expires_at).
  virtual Result<std::vector<Key>> ListKeysDueForExpiry(Time now, int limit) = 0;
  // The expiry sweep's step as one set operation: up to `limit` active keys with
  // expires_at <= now (earliest first, then id) move to revoking (updated_at = now,
  // last_error = "expired"), get `notice_flags` ORed into notified_flags and next_notice_at
  // cleared, and each gets one pending revoke_key task due at `now`. Returns the moved keys as
  // they were before the move (state active, their old flags), earliest first. Two sweeps at
  // once never move a key twice. O(limit) through the (state, expires_at) index.
  virtual Result<std::vector<Key>> ExpireDueKeys(Time now, int limit, int notice_flags) = 0;

  // Active keys with next_notice_at <= now, earliest first, at most limit; O(result) through an
  // index on next_notice_at.
  virtual Result<std::vector<Key>> ListKeysDueForNotice(Time now, int limit) = 0;
  // Sets notified_flags and next_notice_at (nullopt clears it) of a key. kNotFound when absent.
  virtual Status SetKeyNotice(Id key_id, int notified_flags,
                              std::optional<Time> next_notice_at) = 0;
  // Compare-and-set on the key's state: when the key is in `state`, sets its expires_at,
  // notified_flags, next_notice_at (nullopt clears it) and updated_at = now. kConflict when it is
  // in another state (nothing changes), kNotFound when absent.
  virtual Status SetKeyExpiry(Id key_id, KeyState state, Time expires_at, int notified_flags,
                              std::optional<Time> next_notice_at, Time now) = 0;

  // ---- moves off a drained server (`vpnhub server drain`)
  // Links old key `old_key_id` to the key `new_key_id` that replaces it. kAlreadyExists when
  // either key is in a move already (nothing changes; the transaction stays usable).
  virtual Status InsertKeyMove(Id old_key_id, Id new_key_id, Time now) = 0;
  // Marks the move to `new_key_id` done and returns its old key; nullopt when `new_key_id`
  // replaces no key or its move is done already (so each move finishes once).
  virtual Result<std::optional<Id>> FinishKeyMove(Id new_key_id) = 0;
  // The key that replaced `old_key_id` in a finished move; nullopt when none did.
  virtual Result<std::optional<Id>> KeyMovedTo(Id old_key_id) = 0;
  // A key switch (BillingStore::InsertKeySwitch) of `old_key_id` not done yet (its new key not
  // active yet) replaces `new_old_key_id` from now on (a drain moved the key meanwhile). Returns
  // whether there was such a switch (false also when `new_old_key_id` is the old key of a switch
  // already: nothing changes then).
  virtual Result<bool> RetargetKeySwitch(Id old_key_id, Id new_old_key_id) = 0;
  // Keys of `server_id` in state `state` that are not the old key of a move, by id, at most
  // `limit`.
  virtual Result<std::vector<Key>> KeysNotMoved(Id server_id, KeyState state, int limit) = 0;
  // The moves whose old key is on `server_id`, counted by the state of their new key.
  virtual Result<KeyMoveCounts> KeyMoveCountsOf(Id server_id) = 0;
};

}  // namespace vpnhub::ports
