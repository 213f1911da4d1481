// SqlKeys: keys, their slots, expiry and notices (ports::KeyStore).
#include <algorithm>

#include "core/rules.hpp"
#include "storage/sql/indexed_queries.hpp"
#include "storage/sql/ports.hpp"

namespace vpnhub::storage {
namespace {

#define VPNHUB_KEY_SELECT                                                               \
  "SELECT id, user_id, server_id, remote_name, slot, secret, state, expires_at, "       \
  "traffic_limit_bytes, is_trial, notified_flags, last_error, created_at, updated_at, " \
  "announce_when_ready, next_notice_at, remote_data FROM keys "

constexpr SqlText kGetKeySql = VPNHUB_KEY_SELECT "WHERE id = $1";
// PostgreSQL only (SQLite looks the ids up one at a time).
constexpr SqlText kGetKeysSql = VPNHUB_KEY_SELECT "WHERE id = ANY($1::bigint[]) ORDER BY id";
// One fixed statement per filter shape, so each keeps its own plan (user index, state index).
constexpr SqlText kListKeysSql = VPNHUB_KEY_SELECT "ORDER BY id DESC LIMIT $1";
constexpr SqlText kListKeysOfUserSql =
    VPNHUB_KEY_SELECT "WHERE user_id = $2 ORDER BY id DESC LIMIT $1";
constexpr SqlText kListKeysInStateSql =
    VPNHUB_KEY_SELECT "WHERE state = $2 ORDER BY id DESC LIMIT $1";
// A range of the partial slot index (server_id, slot) WHERE holds_slot; SQLite uses it only for
// its condition as written.
constexpr SqlText kSlotKeysPageSql(
    VPNHUB_KEY_SELECT "WHERE server_id = $1 AND holds_slot AND slot > $2 ORDER BY slot LIMIT $3",
    VPNHUB_KEY_SELECT
    "WHERE server_id = $1 AND holds_slot = 1 AND slot > $2 ORDER BY slot LIMIT $3");
constexpr SqlText kListKeysOfUserInStateSql =
    VPNHUB_KEY_SELECT "WHERE user_id = $2 AND state = $3 ORDER BY id DESC LIMIT $1";

}  // namespace

// A range of the (state, expires_at) index from its start to `now`: the cost is the number of
// keys due. Ties on expires_at are put in id order on top of the index order.
const SqlText kDueForExpirySql = VPNHUB_KEY_SELECT
    "WHERE state = 'active' AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2";

// A range of the partial (state, next_notice_at) index: next_notice_at <= $1 implies the index's
// IS NOT NULL condition.
const SqlText kDueForNoticeSql = VPNHUB_KEY_SELECT
    "WHERE state = 'active' AND next_notice_at <= $1 ORDER BY next_notice_at, id LIMIT $2";

namespace {

// PostgreSQL's sweep step in one statement: lock the due keys (SKIP LOCKED: a concurrent sweep
// takes other keys instead of waiting), move them, queue their revoke tasks, and return them as
// they were. The UPDATE re-checks state = 'active' so a key changed since the scan is left alone.
constexpr SqlText kExpireDueKeysSql =
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

// holds_slot is assigned only when the move changes it: an UPDATE that does not name the column
// leaves the slot index untouched (see 0001_init.sql).
constexpr SqlText kMoveKeySql =
    "UPDATE keys SET state = $3, updated_at = $4, last_error = $5 WHERE id = $1 AND state = $2";
constexpr SqlText kMoveKeyAndSlotSql =
    "UPDATE keys SET state = $3, holds_slot = $6, updated_at = $4, last_error = $5 "
    "WHERE id = $1 AND state = $2";

Result<Key> ReadKey(const SqlRow& r) {
  Key k;
  k.id = r.Int64(0);
  k.user_id = r.Int64(1);
  k.server_id = r.Int64(2);
  k.remote_name = r.Text(3);
  k.slot = r.Int(4);
  k.secret = r.Text(5);
  VPNHUB_ASSIGN_OR_RETURN(k.state, r.Named(6, ParseKeyState, "key", k.id, "state"));
  k.expires_at = r.Ms(7);
  k.traffic_limit_bytes = r.Int64(8);
  k.is_trial = r.Bool(9);
  k.notified_flags = r.Int(10);
  k.last_error = r.Text(11);
  k.created_at = r.Ms(12);
  k.updated_at = r.Ms(13);
  k.announce_when_ready = r.Bool(14);
  k.next_notice_at = r.MsOrNull(15);
  k.remote_data = r.Text(16);
  return k;
}

}  // namespace

Result<Id> SqlKeys::InsertKey(const Key& key) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("InsertKey"));
  return s_.InsertUnique(
      "INSERT INTO keys (user_id, server_id, remote_name, slot, secret, state, expires_at, "
      "traffic_limit_bytes, is_trial, notified_flags, last_error, created_at, updated_at, "
      "holds_slot, announce_when_ready, next_notice_at, remote_data) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
      SqlParams()
          .Int(key.user_id)
          .Int(key.server_id)
          .Text(key.remote_name)
          .Int(key.slot)
          .Text(key.secret)
          .Text(KeyStateName(key.state))
          .Ms(key.expires_at)
          .Int(key.traffic_limit_bytes)
          .Bool(key.is_trial)
          .Int(key.notified_flags)
          .Text(key.last_error)
          .Ms(key.created_at)
          .Ms(key.updated_at)
          .Bool(HoldsSlot(key.state))
          .Bool(key.announce_when_ready)
          .MsOrNull(key.next_notice_at)
          .Text(key.remote_data),
      "key on server " + std::to_string(key.server_id) + " (slot " + std::to_string(key.slot) +
          " or remote name '" + key.remote_name + "')");
}

Status SqlKeys::SetKeyRemoteData(Id key_id, const std::string& remote_data) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("SetKeyRemoteData"));
  VPNHUB_ASSIGN_OR_RETURN(auto n, s_.Modify("UPDATE keys SET remote_data = $2 WHERE id = $1",
                                            SqlParams().Int(key_id).Text(remote_data)));
  if (n == 0) return NotFound("key " + std::to_string(key_id));
  return Status::Ok();
}

Result<Key> SqlKeys::GetKey(Id id) { return s_.GetById<Key>(kGetKeySql, id, "key", ReadKey); }

Result<std::vector<Key>> SqlKeys::GetKeys(const std::vector<Id>& ids) {
  return s_.AllByIds<Key>(kGetKeysSql, kGetKeySql, ids, ReadKey);
}

Result<std::vector<Id>> SqlKeys::UpdateKeysState(const std::vector<Id>& ids, KeyState from,
                                                 KeyState to, Time now, const std::string& error) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("UpdateKeysState"));
  VPNHUB_RETURN_IF_ERROR(CheckBatchKeyMove(from, to));
  std::vector<Id> moved;
  if (ids.empty()) return moved;
  if (s_.dialect() == SqlDialect::kSqlite) {
    // In-process: one prepared compare-and-set per id.
    for (Id id : SortedUnique(ids)) {
      Status st = UpdateKeyState(id, from, to, now, error);
      if (st.ok()) {
        moved.push_back(id);
      } else if (st.code() != StatusCode::kConflict && st.code() != StatusCode::kNotFound) {
        return st;
      }
    }
    return moved;
  }
  VPNHUB_ASSIGN_OR_RETURN(
      moved, s_.All<Id>("UPDATE keys SET state = $3, holds_slot = $6, updated_at = $4, "
                        "last_error = $5 WHERE id = ANY($1::bigint[]) AND state = $2 RETURNING id",
                        SqlParams()
                            .Ids(ids)
                            .Text(KeyStateName(from))
                            .Text(KeyStateName(to))
                            .Ms(now)
                            .Text(error)
                            .Bool(HoldsSlot(to)),
                        [](const SqlRow& r) { return r.Int64(0); }));
  std::sort(moved.begin(), moved.end());
  return moved;
}

Result<std::vector<Key>> SqlKeys::ListKeys(const ports::KeyFilter& filter) {
  SqlParams params;
  params.Int(NonNegative(filter.limit));
  if (filter.user_id) params.Int(*filter.user_id);
  if (filter.state) params.Text(KeyStateName(*filter.state));
  const SqlText& sql = filter.user_id
                           ? (filter.state ? kListKeysOfUserInStateSql : kListKeysOfUserSql)
                           : (filter.state ? kListKeysInStateSql : kListKeysSql);
  return s_.All<Key>(sql, params, ReadKey);
}

Result<std::vector<int>> SqlKeys::HeldSlots(Id server_id) {
  // SQLite uses the partial slot index only for its condition as written (holds_slot = 1).
  return s_.All<int>(
      SqlText("SELECT slot FROM keys WHERE server_id = $1 AND holds_slot ORDER BY slot",
              "SELECT slot FROM keys WHERE server_id = $1 AND holds_slot = 1 ORDER BY slot"),
      SqlParams().Int(server_id), [](const SqlRow& r) { return r.Int(0); });
}

Result<std::vector<Key>> SqlKeys::ListSlotKeysPage(Id server_id, int after_slot, int limit) {
  return s_.All<Key>(kSlotKeysPageSql,
                     SqlParams().Int(server_id).Int(after_slot).Int(std::max(0, limit)), ReadKey);
}

Status SqlKeys::UpdateKeyState(Id key_id, KeyState from, KeyState to, Time now,
                               const std::string& error) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("UpdateKeyState"));
  const bool slot_changes = HoldsSlot(from) != HoldsSlot(to);
  SqlParams params;
  params.Int(key_id).Text(KeyStateName(from)).Text(KeyStateName(to)).Ms(now).Text(error);
  if (slot_changes) params.Bool(HoldsSlot(to));
  const SqlText& sql = slot_changes ? kMoveKeyAndSlotSql : kMoveKeySql;
  // Re-entering a slot-holding state can hit the slot index (another key took the slot since):
  // an ordinary kAlreadyExists that must leave the caller's transaction usable.
  return s_.ExplainUnlessChanged(
      MayTakeSlot(from, to) ? s_.ModifyUnique(sql, params, /*what=*/"") : s_.Modify(sql, params),
      "keys", "key", key_id,
      Conflict("key " + std::to_string(key_id) + " is not " + KeyStateName(from)));
}

Status SqlKeys::ReviveFailedKey(Id key_id, int slot, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("ReviveFailedKey"));
  // As in UpdateKeyState: a slot taken by another key is an ordinary kAlreadyExists.
  return s_.ExplainUnlessChanged(
      s_.ModifyUnique("UPDATE keys SET state = 'pending', holds_slot = TRUE, slot = $2, "
                      "updated_at = $3, last_error = '' WHERE id = $1 AND state = 'failed'",
                      SqlParams().Int(key_id).Int(slot).Ms(now), /*what=*/""),
      "keys", "key", key_id, Conflict("key " + std::to_string(key_id) + " is not failed"));
}

Result<std::vector<Key>> SqlKeys::ListKeysDueForExpiry(Time now, int limit) {
  return s_.All<Key>(kDueForExpirySql, SqlParams().Ms(now).Int(NonNegative(limit)), ReadKey);
}

Result<std::vector<Key>> SqlKeys::ExpireDueKeys(Time now, int limit, int notice_flags) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("ExpireDueKeys"));
  if (s_.dialect() == SqlDialect::kPostgres) {
    // Row locks and the state re-check make it safe at READ COMMITTED (WriteKind::kQueue); a
    // stricter level would only turn concurrent sweeps into serialization failures.
    return s_.All<Key>(kExpireDueKeysSql,
                       SqlParams()
                           .Ms(now)
                           .Int(NonNegative(limit))
                           .Int(notice_flags)
                           .Bool(HoldsSlot(KeyState::kRevoking)),
                       ReadKey);
  }
  // SQLite: one writer at a time holds the database, so list-then-change cannot race a sweep.
  VPNHUB_ASSIGN_OR_RETURN(auto due, ListKeysDueForExpiry(now, limit));
  for (const Key& key : due) {
    VPNHUB_RETURN_IF_ERROR(
        UpdateKeyState(key.id, KeyState::kActive, KeyState::kRevoking, now, "expired"));
    VPNHUB_RETURN_IF_ERROR(SetKeyNotice(key.id, key.notified_flags | notice_flags, std::nullopt));
    // The revoke task goes in through the task port, on the same transaction.
    VPNHUB_RETURN_IF_ERROR(SqlTasks(s_).EnqueueTask(TaskKind::kRevokeKey, key.id, now));
  }
  return due;
}

Result<std::vector<Key>> SqlKeys::ListKeysDueForNotice(Time now, int limit) {
  return s_.All<Key>(kDueForNoticeSql, SqlParams().Ms(now).Int(NonNegative(limit)), ReadKey);
}

Status SqlKeys::SetKeyNotice(Id key_id, int notified_flags, std::optional<Time> next_notice_at) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("SetKeyNotice"));
  return s_.ModifyById("UPDATE keys SET notified_flags = $2, next_notice_at = $3 WHERE id = $1",
                       SqlParams().Int(key_id).Int(notified_flags).MsOrNull(next_notice_at), "key",
                       key_id);
}

Status SqlKeys::SetKeyExpiry(Id key_id, KeyState state, Time expires_at, int notified_flags,
                             std::optional<Time> next_notice_at, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("SetKeyExpiry"));
  return s_.ModifyOne(
      "UPDATE keys SET expires_at = $3, notified_flags = $4, next_notice_at = $5, "
      "updated_at = $6 WHERE id = $1 AND state = $2",
      SqlParams()
          .Int(key_id)
          .Text(KeyStateName(state))
          .Ms(expires_at)
          .Int(notified_flags)
          .MsOrNull(next_notice_at)
          .Ms(now),
      "keys", "key", key_id,
      Conflict("key " + std::to_string(key_id) + " is not " + KeyStateName(state)));
}

}  // namespace vpnhub::storage
