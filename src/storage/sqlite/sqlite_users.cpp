// SqliteUsers: the people who use the bot (ports::UserStore).
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

using SqliteUsers = SqlUsers<SqlitePort>;

// A range of the users_created_at index, counted without reading the table.
const char kCountUsersCreatedSinceSql[] = "SELECT count(*) FROM users WHERE created_at >= ?1";

namespace {

#define VPNHUB_USER_SELECT                                                                   \
  "SELECT id, tg_id, username, lang, referrer_id, source, blocked_bot, banned, trial_used, " \
  "created_at FROM users "

constexpr char kFindUserByTgIdSql[] = VPNHUB_USER_SELECT "WHERE tg_id = ?1";
constexpr char kGetUserSql[] = VPNHUB_USER_SELECT "WHERE id = ?1";
constexpr char kListUsersSql[] = VPNHUB_USER_SELECT "WHERE id > ?1 ORDER BY id LIMIT ?2";

#undef VPNHUB_USER_SELECT

User ReadUser(const Statement& s) {
  User u;
  u.id = s.ColumnInt64(0);
  u.tg_id = s.ColumnInt64(1);
  u.username = s.ColumnText(2);
  u.lang = s.ColumnText(3);
  if (!s.ColumnIsNull(4)) u.referrer_id = s.ColumnInt64(4);
  u.source = s.ColumnText(5);
  u.blocked_bot = s.ColumnBool(6);
  u.banned = s.ColumnBool(7);
  u.trial_used = s.ColumnBool(8);
  u.created_at = FromUnixMs(s.ColumnInt64(9));
  return u;
}

int NonNegative(int limit) { return limit < 0 ? 0 : limit; }

}  // namespace

template <>
Result<Id> SqliteUsers::InsertUser(const User& user) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertUser"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare(
          "INSERT INTO users (tg_id, username, lang, referrer_id, source, blocked_bot, banned, "
          "trial_used, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  Statement& s = *stmt;
  s.BindInt64(1, user.tg_id).BindText(2, user.username).BindText(3, user.lang);
  if (user.referrer_id) {
    s.BindInt64(4, *user.referrer_id);
  } else {
    s.BindNull(4);
  }
  s.BindText(5, user.source)
      .BindInt64(6, user.blocked_bot)
      .BindInt64(7, user.banned)
      .BindInt64(8, user.trial_used)
      .BindInt64(9, ToUnixMs(user.created_at));
  VPNHUB_RETURN_IF_ERROR(s.Run());
  return conn_.LastInsertRowid();
}

template <>
Result<std::optional<User>> SqliteUsers::FindUserByTgId(TgId tg_id) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kFindUserByTgIdSql));
  stmt->BindInt64(1, tg_id);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::optional<User>();
  return std::optional<User>(ReadUser(*stmt));
}

template <>
Result<User> SqliteUsers::GetUser(Id id) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kGetUserSql));
  stmt->BindInt64(1, id);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return NotFound("user " + std::to_string(id) + " not found");
  return ReadUser(*stmt);
}

template <>
Result<std::vector<User>> SqliteUsers::GetUsers(const std::vector<Id>& ids) {
  // In-process: one prepared lookup per id costs microseconds, no round trips to save.
  const std::vector<Id> sorted = SortedUnique(ids);
  std::vector<User> users;
  users.reserve(sorted.size());
  for (Id id : sorted) {
    auto user = GetUser(id);
    if (user.status().code() == StatusCode::kNotFound) continue;
    if (!user.ok()) return user.status();
    users.push_back(std::move(*user));
  }
  return users;
}

template <>
Result<std::vector<User>> SqliteUsers::ListUsers(Id after_id, int limit) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kListUsersSql));
  stmt->BindInt64(1, after_id).BindInt64(2, NonNegative(limit));
  std::vector<User> users;
  VPNHUB_RETURN_IF_ERROR(ForEachRow(*stmt, [&](const Statement& s) {
    users.push_back(ReadUser(s));
    return Status::Ok();
  }));
  return users;
}

template <>
Status SqliteUsers::SetUserLang(Id user_id, const std::string& lang) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetUserLang"));
  {
    VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare("UPDATE users SET lang = ?2 WHERE id = ?1"));
    stmt->BindInt64(1, user_id).BindText(2, lang);
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  // changes() counts every row the WHERE matched, also when the value stays the same.
  if (conn_.Changes() > 0) return Status::Ok();
  return NotFound("user " + std::to_string(user_id) + " not found");
}

template <>
Status SqliteUsers::SetBlockedBot(Id user_id, bool blocked) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetBlockedBot"));
  {
    VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                            conn_.Prepare("UPDATE users SET blocked_bot = ?2 WHERE id = ?1"));
    stmt->BindInt64(1, user_id).BindInt64(2, blocked);
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return NotFound("user " + std::to_string(user_id) + " not found");
}

template <>
Result<std::int64_t> SqliteUsers::CountUsersCreatedSince(Time since) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kCountUsersCreatedSinceSql));
  stmt->BindInt64(1, ToUnixMs(since));
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  return row ? stmt->ColumnInt64(0) : std::int64_t{0};
}

template <>
Status SqliteUsers::MarkTrialUsed(Id user_id) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("MarkTrialUsed"));
  {
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare("UPDATE users SET trial_used = 1 WHERE id = ?1 AND trial_used = 0"));
    stmt->BindInt64(1, user_id);
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return ExplainNoChange(
      "users", "user", user_id,
      FailedPrecondition("user " + std::to_string(user_id) + " has already used the trial"));
}

template <>
Status SqliteUsers::GiveTrialBack(Id user_id) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("GiveTrialBack"));
  {
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare("UPDATE users SET trial_used = 0 WHERE id = ?1 AND trial_used = 1"));
    stmt->BindInt64(1, user_id);
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return ExplainNoChange(
      "users", "user", user_id,
      FailedPrecondition("user " + std::to_string(user_id) + " has not used the trial"));
}

template class SqlUsers<SqlitePort>;

}  // namespace vpnhub::storage
