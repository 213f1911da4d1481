// PgKeys: keys.
#include <algorithm>

#include "core/rules.hpp"
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgKeys = SqlKeys<PgPort>;
namespace {

#define VPNHUB_KEY_SELECT                                                               \
  "SELECT id, user_id, server_id, remote_name, slot, secret, state, expires_at, "       \
  "traffic_limit_bytes, is_trial, notified_flags, last_error, created_at, updated_at, " \
  "announce_when_ready, next_notice_at FROM keys "

constexpr char kGetKeySql[] = VPNHUB_KEY_SELECT "WHERE id = $1";
constexpr char kGetKeysSql[] = VPNHUB_KEY_SELECT "WHERE id = ANY($1::bigint[]) ORDER BY id";
// One fixed statement per filter shape, so each keeps its own plan (user index, state index).
constexpr char kListKeysSql[] = VPNHUB_KEY_SELECT "ORDER BY id DESC LIMIT $1";
constexpr char kListKeysOfUserSql[] =
    VPNHUB_KEY_SELECT "WHERE user_id = $2 ORDER BY id DESC LIMIT $1";
constexpr char kListKeysInStateSql[] =
    VPNHUB_KEY_SELECT "WHERE state = $2 ORDER BY id DESC LIMIT $1";
constexpr char kListKeysOfUserInStateSql[] =
    VPNHUB_KEY_SELECT "WHERE user_id = $2 AND state = $3 ORDER BY id DESC LIMIT $1";

}  // namespace

// A range of the (state, expires_at) index from its start to `now`: the cost is the number of
// keys due. Ties on expires_at are put in id order on top of the index order.
const char kPgDueForExpirySql[] = VPNHUB_KEY_SELECT
    "WHERE state = 'active' AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2";

// A range of the partial (state, next_notice_at) index; next_notice_at <= $1 implies the index's
// IS NOT NULL condition, which the planner proves from the operator's strictness.
const char kPgDueForNoticeSql[] = VPNHUB_KEY_SELECT
    "WHERE state = 'active' AND next_notice_at <= $1 ORDER BY next_notice_at, id LIMIT $2";

// The sweep's step in one statement: lock the due keys (SKIP LOCKED: a concurrent sweep takes
// other keys instead of waiting), move them, queue their revoke tasks, and return them as they
// were. The UPDATE re-checks state = 'active' so a key changed since the scan is left alone.
constexpr char kExpireDueKeysSql[] =
    "WITH due AS (" VPNHUB_KEY_SELECT
    "WHERE state = 'active' AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2 "
    "FOR UPDATE SKIP LOCKED), "
    "moved AS (UPDATE keys k SET state = 'revoking', holds_slot = $4, updated_at = $1, "
    "last_error = 'expired', notified_flags = k.notified_flags | $3, next_notice_at = NULL "
    "FROM due WHERE k.id = due.id AND k.state = 'active' RETURNING k.id), "
    "queued AS (INSERT INTO tasks (kind, subject_id, state, attempts, next_attempt_at, "
    "created_at, updated_at) SELECT 'revoke_key', moved.id, 'pending', 0, $1, $1, $1 "
    "FROM moved JOIN due USING (id) ORDER BY due.expires_at, due.id) "
    "SELECT due.* FROM due JOIN moved USING (id) ORDER BY due.expires_at, due.id";

#undef VPNHUB_KEY_SELECT

namespace {

Result<Key> ReadKey(const PgResult& r, int row) {
  Key k;
  k.id = r.Int64(row, 0);
  k.user_id = r.Int64(row, 1);
  k.server_id = r.Int64(row, 2);
  k.remote_name = r.Text(row, 3);
  k.slot = r.Int(row, 4);
  k.secret = r.Text(row, 5);
  std::string state = r.Text(row, 6);
  auto parsed = ParseKeyState(state);
  if (!parsed) return Internal("key " + std::to_string(k.id) + ": unknown state '" + state + "'");
  k.state = *parsed;
  k.expires_at = FromUnixMs(r.Int64(row, 7));
  k.traffic_limit_bytes = r.Int64(row, 8);
  k.is_trial = r.Bool(row, 9);
  k.notified_flags = r.Int(row, 10);
  k.last_error = r.Text(row, 11);
  k.created_at = FromUnixMs(r.Int64(row, 12));
  k.updated_at = FromUnixMs(r.Int64(row, 13));
  k.announce_when_ready = r.Bool(row, 14);
  if (!r.IsNull(row, 15)) k.next_notice_at = FromUnixMs(r.Int64(row, 15));
  return k;
}

Result<std::vector<Key>> CollectKeys(const Result<PgResult>& r) {
  if (!r.ok()) return r.status();
  std::vector<Key> keys;
  keys.reserve(r->rows());
  for (int row = 0; row < r->rows(); ++row) {
    VPNHUB_ASSIGN_OR_RETURN(Key key, ReadKey(*r, row));
    keys.push_back(std::move(key));
  }
  return keys;
}

int NonNegative(int limit) { return limit < 0 ? 0 : limit; }

}  // namespace

template <>
Result<Id> PgKeys::InsertKey(const Key& key) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertKey"));
  // DO NOTHING without a conflict target covers every unique index, the partial slot index
  // included.
  return InsertReturningId(
      "INSERT INTO keys (user_id, server_id, remote_name, slot, secret, state, expires_at, "
      "traffic_limit_bytes, is_trial, notified_flags, last_error, created_at, updated_at, "
      "holds_slot, announce_when_ready, next_notice_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
      "ON CONFLICT DO NOTHING RETURNING id",
      PgParams()
          .Int(key.user_id)
          .Int(key.server_id)
          .Text(key.remote_name)
          .Int(key.slot)
          .Text(key.secret)
          .Text(KeyStateName(key.state))
          .Int(ToUnixMs(key.expires_at))
          .Int(key.traffic_limit_bytes)
          .Bool(key.is_trial)
          .Int(key.notified_flags)
          .Text(key.last_error)
          .Int(ToUnixMs(key.created_at))
          .Int(ToUnixMs(key.updated_at))
          .Bool(HoldsSlot(key.state))
          .Bool(key.announce_when_ready)
          .IntOrNull(OptionalUnixMs(key.next_notice_at)),
      "key on server " + std::to_string(key.server_id) + " (slot " + std::to_string(key.slot) +
          " or remote name '" + key.remote_name + "')");
}

template <>
Result<Key> PgKeys::GetKey(Id id) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn_.Query(kGetKeySql, PgParams().Int(id)));
  if (r.rows() == 0) return NotFound("key " + std::to_string(id) + " not found");
  return ReadKey(r, 0);
}

template <>
Result<std::vector<Key>> PgKeys::GetKeys(const std::vector<Id>& ids) {
  if (ids.empty()) return std::vector<Key>{};
  return CollectKeys(conn_.Query(kGetKeysSql, PgParams().IntArray(ids)));
}

template <>
Result<std::vector<Id>> PgKeys::UpdateKeysState(const std::vector<Id>& ids, KeyState from,
                                                KeyState to, Time now, const std::string& error) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("UpdateKeysState"));
  VPNHUB_RETURN_IF_ERROR(CheckBatchKeyMove(from, to));
  std::vector<Id> moved;
  if (ids.empty()) return moved;
  VPNHUB_ASSIGN_OR_RETURN(
      auto r,
      conn_.Query("UPDATE keys SET state = $3, holds_slot = $6, updated_at = $4, last_error = $5 "
                  "WHERE id = ANY($1::bigint[]) AND state = $2 RETURNING id",
                  PgParams()
                      .IntArray(ids)
                      .Text(KeyStateName(from))
                      .Text(KeyStateName(to))
                      .Int(ToUnixMs(now))
                      .Text(error)
                      .Bool(HoldsSlot(to))));
  moved.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) moved.push_back(r.Int64(row, 0));
  std::sort(moved.begin(), moved.end());
  return moved;
}

template <>
Result<std::vector<Key>> PgKeys::ListKeys(const ports::KeyFilter& filter) {
  PgParams params;
  params.Int(NonNegative(filter.limit));
  if (filter.user_id) params.Int(*filter.user_id);
  if (filter.state) params.Text(KeyStateName(*filter.state));
  const char* sql = filter.user_id ? (filter.state ? kListKeysOfUserInStateSql : kListKeysOfUserSql)
                                   : (filter.state ? kListKeysInStateSql : kListKeysSql);
  return CollectKeys(conn_.Query(sql, params));
}

template <>
Result<std::vector<int>> PgKeys::HeldSlots(Id server_id) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, conn_.Query("SELECT slot FROM keys WHERE server_id = $1 AND holds_slot ORDER BY slot",
                          PgParams().Int(server_id)));
  std::vector<int> slots;
  slots.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) slots.push_back(r.Int(row, 0));
  return slots;
}

template <>
Status PgKeys::UpdateKeyState(Id key_id, KeyState from, KeyState to, Time now,
                              const std::string& error) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("UpdateKeyState"));
  const PgParams params = PgParams()
                              .Int(key_id)
                              .Text(KeyStateName(from))
                              .Text(KeyStateName(to))
                              .Int(ToUnixMs(now))
                              .Text(error)
                              .Bool(HoldsSlot(to));
  // Re-entering a slot-holding state can hit the slot index (another key took the slot since).
  // That is an ordinary kAlreadyExists, as with SQLite, so it must not abort the caller's
  // transaction: such an UPDATE runs under a savepoint that is rolled back when it fails.
  const bool may_take_slot = MayTakeSlot(from, to);
  if (may_take_slot) VPNHUB_RETURN_IF_ERROR(conn_.Exec("SAVEPOINT vpnhub_key_slot"));
  auto changed = Modify(
      "UPDATE keys SET state = $3, holds_slot = $6, updated_at = $4, last_error = $5 "
      "WHERE id = $1 AND state = $2",
      params);
  if (may_take_slot) {
    Status end = conn_.Exec(changed.ok() ? "RELEASE SAVEPOINT vpnhub_key_slot"
                                         : "ROLLBACK TO SAVEPOINT vpnhub_key_slot; "
                                           "RELEASE SAVEPOINT vpnhub_key_slot");
    if (changed.ok()) VPNHUB_RETURN_IF_ERROR(end);
  }
  if (!changed.ok()) return changed.status();
  if (*changed > 0) return Status::Ok();
  return ExplainNoChange(
      "keys", "key", key_id,
      Conflict("key " + std::to_string(key_id) + " is not " + KeyStateName(from)));
}

template <>
Status PgKeys::ReviveFailedKey(Id key_id, int slot, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ReviveFailedKey"));
  // As in UpdateKeyState: a slot taken by another key is an ordinary kAlreadyExists that must
  // leave the caller's transaction usable, hence the savepoint.
  VPNHUB_RETURN_IF_ERROR(conn_.Exec("SAVEPOINT vpnhub_key_slot"));
  auto changed = Modify(
      "UPDATE keys SET state = 'pending', holds_slot = TRUE, slot = $2, updated_at = $3, "
      "last_error = '' WHERE id = $1 AND state = 'failed'",
      PgParams().Int(key_id).Int(slot).Int(ToUnixMs(now)));
  Status end = conn_.Exec(changed.ok() ? "RELEASE SAVEPOINT vpnhub_key_slot"
                                       : "ROLLBACK TO SAVEPOINT vpnhub_key_slot; "
                                         "RELEASE SAVEPOINT vpnhub_key_slot");
  if (changed.ok()) VPNHUB_RETURN_IF_ERROR(end);
  if (!changed.ok()) return changed.status();
  if (*changed > 0) return Status::Ok();
  return ExplainNoChange("keys", "key", key_id,
                         Conflict("key " + std::to_string(key_id) + " is not failed"));
}

template <>
Result<std::vector<Key>> PgKeys::ListKeysDueForExpiry(Time now, int limit) {
  return CollectKeys(
      conn_.Query(kPgDueForExpirySql, PgParams().Int(ToUnixMs(now)).Int(NonNegative(limit))));
}

template <>
Result<std::vector<Key>> PgKeys::ExpireDueKeys(Time now, int limit, int notice_flags) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ExpireDueKeys"));
  // Row locks and the state re-check make it safe at READ COMMITTED (WriteKind::kQueue); a
  // stricter level would only turn concurrent sweeps into serialization failures.
  return CollectKeys(conn_.Query(kExpireDueKeysSql, PgParams()
                                                        .Int(ToUnixMs(now))
                                                        .Int(NonNegative(limit))
                                                        .Int(notice_flags)
                                                        .Bool(HoldsSlot(KeyState::kRevoking))));
}

template <>
Result<std::vector<Key>> PgKeys::ListKeysDueForNotice(Time now, int limit) {
  return CollectKeys(
      conn_.Query(kPgDueForNoticeSql, PgParams().Int(ToUnixMs(now)).Int(NonNegative(limit))));
}

template <>
Status PgKeys::SetKeyNotice(Id key_id, int notified_flags, std::optional<Time> next_notice_at) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetKeyNotice"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      Modify("UPDATE keys SET notified_flags = $2, next_notice_at = $3 WHERE id = $1",
             PgParams().Int(key_id).Int(notified_flags).IntOrNull(OptionalUnixMs(next_notice_at))));
  if (changed > 0) return Status::Ok();
  return NotFound("key " + std::to_string(key_id) + " not found");
}

template <>
Status PgKeys::SetKeyExpiry(Id key_id, KeyState state, Time expires_at, int notified_flags,
                            std::optional<Time> next_notice_at, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetKeyExpiry"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      Modify("UPDATE keys SET expires_at = $3, notified_flags = $4, next_notice_at = $5, "
             "updated_at = $6 WHERE id = $1 AND state = $2",
             PgParams()
                 .Int(key_id)
                 .Text(KeyStateName(state))
                 .Int(ToUnixMs(expires_at))
                 .Int(notified_flags)
                 .IntOrNull(OptionalUnixMs(next_notice_at))
                 .Int(ToUnixMs(now))));
  if (changed > 0) return Status::Ok();
  return ExplainNoChange(
      "keys", "key", key_id,
      Conflict("key " + std::to_string(key_id) + " is not " + KeyStateName(state)));
}

template class SqlKeys<PgPort>;

}  // namespace vpnhub::storage
