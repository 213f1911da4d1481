// SqliteKeys: keys.
#include <algorithm>

#include "core/rules.hpp"
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"
#include "storage/sqlite/sqlite_tasks.hpp"

namespace vpnhub::storage {

using SqliteKeys = SqlKeys<SqlitePort>;

template <>
Status SqliteKeys::SetKeyNotice(Id key_id, int notified_flags, std::optional<Time> next_notice_at);
namespace {

#define VPNHUB_KEY_SELECT                                                               \
  "SELECT id, user_id, server_id, remote_name, slot, secret, state, expires_at, "       \
  "traffic_limit_bytes, is_trial, notified_flags, last_error, created_at, updated_at, " \
  "announce_when_ready, next_notice_at FROM keys "

constexpr char kGetKeySql[] = VPNHUB_KEY_SELECT "WHERE id = ?1";
constexpr char kListKeysSql[] = VPNHUB_KEY_SELECT "ORDER BY id DESC LIMIT ?3";
constexpr char kListKeysOfUserSql[] =
    VPNHUB_KEY_SELECT "WHERE user_id = ?1 ORDER BY id DESC LIMIT ?3";
constexpr char kListKeysInStateSql[] =
    VPNHUB_KEY_SELECT "WHERE state = ?2 ORDER BY id DESC LIMIT ?3";
constexpr char kListKeysOfUserInStateSql[] =
    VPNHUB_KEY_SELECT "WHERE user_id = ?1 AND state = ?2 ORDER BY id DESC LIMIT ?3";

}  // namespace

// Walks the (state, expires_at) index from its start to `now`: the cost is the number of keys due.
const char kDueForExpirySql[] = VPNHUB_KEY_SELECT
    "WHERE state = 'active' AND expires_at <= ?1 ORDER BY expires_at, id LIMIT ?2";

// Walks the partial (state, next_notice_at) index from its start to `now`: the cost is the number
// of keys with a notice due. (next_notice_at <= ?1 implies the index's IS NOT NULL condition.)
const char kDueForNoticeSql[] = VPNHUB_KEY_SELECT
    "WHERE state = 'active' AND next_notice_at <= ?1 ORDER BY next_notice_at, id LIMIT ?2";

#undef VPNHUB_KEY_SELECT

namespace {

Result<Key> ReadKey(const Statement& s) {
  Key k;
  k.id = s.ColumnInt64(0);
  k.user_id = s.ColumnInt64(1);
  k.server_id = s.ColumnInt64(2);
  k.remote_name = s.ColumnText(3);
  k.slot = s.ColumnInt(4);
  k.secret = s.ColumnText(5);
  std::string state = s.ColumnText(6);
  auto parsed = ParseKeyState(state);
  if (!parsed) return Internal("key " + std::to_string(k.id) + ": unknown state '" + state + "'");
  k.state = *parsed;
  k.expires_at = FromUnixMs(s.ColumnInt64(7));
  k.traffic_limit_bytes = s.ColumnInt64(8);
  k.is_trial = s.ColumnBool(9);
  k.notified_flags = s.ColumnInt(10);
  k.last_error = s.ColumnText(11);
  k.created_at = FromUnixMs(s.ColumnInt64(12));
  k.updated_at = FromUnixMs(s.ColumnInt64(13));
  k.announce_when_ready = s.ColumnBool(14);
  if (!s.ColumnIsNull(15)) k.next_notice_at = FromUnixMs(s.ColumnInt64(15));
  return k;
}

Result<std::vector<Key>> CollectKeys(Statement& stmt) {
  std::vector<Key> keys;
  VPNHUB_RETURN_IF_ERROR(ForEachRow(stmt, [&](const Statement& s) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(Key key, ReadKey(s));
    keys.push_back(std::move(key));
    return Status::Ok();
  }));
  return keys;
}

}  // namespace

template <>
Result<Id> SqliteKeys::InsertKey(const Key& key) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertKey"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare(
          "INSERT INTO keys (user_id, server_id, remote_name, slot, secret, state, expires_at, "
          "traffic_limit_bytes, is_trial, notified_flags, last_error, created_at, updated_at, "
          "holds_slot, announce_when_ready, next_notice_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"));
  stmt->BindInt64(1, key.user_id)
      .BindInt64(2, key.server_id)
      .BindText(3, key.remote_name)
      .BindInt64(4, key.slot)
      .BindText(5, key.secret)
      .BindText(6, KeyStateName(key.state))
      .BindInt64(7, ToUnixMs(key.expires_at))
      .BindInt64(8, key.traffic_limit_bytes)
      .BindInt64(9, key.is_trial)
      .BindInt64(10, key.notified_flags)
      .BindText(11, key.last_error)
      .BindInt64(12, ToUnixMs(key.created_at))
      .BindInt64(13, ToUnixMs(key.updated_at))
      .BindInt64(14, HoldsSlot(key.state))
      .BindInt64(15, key.announce_when_ready);
  if (key.next_notice_at) {
    stmt->BindInt64(16, ToUnixMs(*key.next_notice_at));
  } else {
    stmt->BindNull(16);
  }
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return conn_.LastInsertRowid();
}

template <>
Result<Key> SqliteKeys::GetKey(Id id) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kGetKeySql));
  stmt->BindInt64(1, id);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return NotFound("key " + std::to_string(id) + " not found");
  return ReadKey(*stmt);
}

template <>
Result<std::vector<Key>> SqliteKeys::ListKeys(const ports::KeyFilter& filter) {
  // One fixed statement per filter shape, so each keeps its own plan (user index, state index).
  const char* sql = filter.user_id ? (filter.state ? kListKeysOfUserInStateSql : kListKeysOfUserSql)
                                   : (filter.state ? kListKeysInStateSql : kListKeysSql);
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(sql));
  if (filter.user_id) stmt->BindInt64(1, *filter.user_id);
  if (filter.state) stmt->BindText(2, KeyStateName(*filter.state));
  stmt->BindInt64(3, filter.limit < 0 ? 0 : filter.limit);
  return CollectKeys(*stmt);
}

template <>
Result<std::vector<int>> SqliteKeys::HeldSlots(Id server_id) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare("SELECT slot FROM keys WHERE server_id = ?1 AND holds_slot = 1 ORDER BY slot"));
  stmt->BindInt64(1, server_id);
  std::vector<int> slots;
  VPNHUB_RETURN_IF_ERROR(ForEachRow(*stmt, [&](const Statement& s) {
    slots.push_back(s.ColumnInt(0));
    return Status::Ok();
  }));
  return slots;
}

template <>
Status SqliteKeys::UpdateKeyState(Id key_id, KeyState from, KeyState to, Time now,
                                  const std::string& error) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("UpdateKeyState"));
  {
    // holds_slot is assigned only when the transition changes it: an UPDATE that does not name
    // the column leaves the slot index untouched (see 0001_init.sql).
    const bool slot_changes = HoldsSlot(from) != HoldsSlot(to);
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare(slot_changes
                          ? "UPDATE keys SET state = ?3, holds_slot = ?6, updated_at = ?4, "
                            "last_error = ?5 WHERE id = ?1 AND state = ?2"
                          : "UPDATE keys SET state = ?3, updated_at = ?4, last_error = ?5 "
                            "WHERE id = ?1 AND state = ?2"));
    stmt->BindInt64(1, key_id)
        .BindText(2, KeyStateName(from))
        .BindText(3, KeyStateName(to))
        .BindInt64(4, ToUnixMs(now))
        .BindText(5, error);
    if (slot_changes) stmt->BindInt64(6, HoldsSlot(to));
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return ExplainNoChange(
      "keys", "key", key_id,
      Conflict("key " + std::to_string(key_id) + " is not " + KeyStateName(from)));
}

template <>
Status SqliteKeys::ReviveFailedKey(Id key_id, int slot, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ReviveFailedKey"));
  {
    // A slot held by another key fails this one statement (kAlreadyExists); SQLite keeps the
    // transaction.
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare(
            "UPDATE keys SET state = 'pending', holds_slot = 1, slot = ?2, updated_at = ?3, "
            "last_error = '' WHERE id = ?1 AND state = 'failed'"));
    stmt->BindInt64(1, key_id).BindInt64(2, slot).BindInt64(3, ToUnixMs(now));
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return ExplainNoChange("keys", "key", key_id,
                         Conflict("key " + std::to_string(key_id) + " is not failed"));
}

template <>
Result<std::vector<Key>> SqliteKeys::ListKeysDueForExpiry(Time now, int limit) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kDueForExpirySql));
  stmt->BindInt64(1, ToUnixMs(now)).BindInt64(2, limit < 0 ? 0 : limit);
  return CollectKeys(*stmt);
}

template <>
Result<std::vector<Key>> SqliteKeys::GetKeys(const std::vector<Id>& ids) {
  // In-process: one prepared lookup per id costs microseconds, no round trips to save.
  const std::vector<Id> sorted = SortedUnique(ids);
  std::vector<Key> keys;
  keys.reserve(sorted.size());
  for (Id id : sorted) {
    auto key = GetKey(id);
    if (key.status().code() == StatusCode::kNotFound) continue;
    if (!key.ok()) return key.status();
    keys.push_back(std::move(*key));
  }
  return keys;
}

template <>
Result<std::vector<Id>> SqliteKeys::UpdateKeysState(const std::vector<Id>& ids, KeyState from,
                                                    KeyState to, Time now,
                                                    const std::string& error) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("UpdateKeysState"));
  VPNHUB_RETURN_IF_ERROR(CheckBatchKeyMove(from, to));
  const std::vector<Id> sorted = SortedUnique(ids);
  std::vector<Id> moved;
  for (Id id : sorted) {
    Status st = UpdateKeyState(id, from, to, now, error);
    if (st.ok()) {
      moved.push_back(id);
    } else if (st.code() != StatusCode::kConflict && st.code() != StatusCode::kNotFound) {
      return st;
    }
  }
  return moved;
}

template <>
Result<std::vector<Key>> SqliteKeys::ExpireDueKeys(Time now, int limit, int notice_flags) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ExpireDueKeys"));
  // One writer at a time holds the database, so list-then-change cannot race another sweep.
  VPNHUB_ASSIGN_OR_RETURN(auto due, ListKeysDueForExpiry(now, limit));
  for (const Key& key : due) {
    VPNHUB_RETURN_IF_ERROR(
        UpdateKeyState(key.id, KeyState::kActive, KeyState::kRevoking, now, "expired"));
    VPNHUB_RETURN_IF_ERROR(SetKeyNotice(key.id, key.notified_flags | notice_flags, std::nullopt));
    // The revoke task goes in through the task port, on the same transaction.
    VPNHUB_RETURN_IF_ERROR(
        SqliteTasks(conn_, read_only_).EnqueueTask(TaskKind::kRevokeKey, key.id, now));
  }
  return due;
}

template <>
Result<std::vector<Key>> SqliteKeys::ListKeysDueForNotice(Time now, int limit) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kDueForNoticeSql));
  stmt->BindInt64(1, ToUnixMs(now)).BindInt64(2, limit < 0 ? 0 : limit);
  return CollectKeys(*stmt);
}

template <>
Status SqliteKeys::SetKeyNotice(Id key_id, int notified_flags, std::optional<Time> next_notice_at) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetKeyNotice"));
  {
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare("UPDATE keys SET notified_flags = ?2, next_notice_at = ?3 WHERE id = ?1"));
    stmt->BindInt64(1, key_id).BindInt64(2, notified_flags);
    if (next_notice_at) {
      stmt->BindInt64(3, ToUnixMs(*next_notice_at));
    } else {
      stmt->BindNull(3);
    }
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return NotFound("key " + std::to_string(key_id) + " not found");
}

template <>
Status SqliteKeys::SetKeyExpiry(Id key_id, KeyState state, Time expires_at, int notified_flags,
                                std::optional<Time> next_notice_at, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetKeyExpiry"));
  {
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare("UPDATE keys SET expires_at = ?3, notified_flags = ?4, next_notice_at = ?5, "
                      "updated_at = ?6 WHERE id = ?1 AND state = ?2"));
    stmt->BindInt64(1, key_id)
        .BindText(2, KeyStateName(state))
        .BindInt64(3, ToUnixMs(expires_at))
        .BindInt64(4, notified_flags);
    if (next_notice_at) {
      stmt->BindInt64(5, ToUnixMs(*next_notice_at));
    } else {
      stmt->BindNull(5);
    }
    stmt->BindInt64(6, ToUnixMs(now));
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return ExplainNoChange(
      "keys", "key", key_id,
      Conflict("key " + std::to_string(key_id) + " is not " + KeyStateName(state)));
}

template class SqlKeys<SqlitePort>;

}  // namespace vpnhub::storage
