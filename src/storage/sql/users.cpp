// SqlUsers: the people who use the bot (ports::UserStore).
#include "storage/sql/indexed_queries.hpp"
#include "storage/sql/ports.hpp"

namespace vpnhub::storage {

// A range of the users_created_at index, counted without reading the table.
const SqlText kCountUsersCreatedSinceSql = "SELECT count(*) FROM users WHERE created_at >= $1";

namespace {

#define VPNHUB_USER_SELECT                                                                   \
  "SELECT id, tg_id, username, lang, referrer_id, source, blocked_bot, banned, trial_used, " \
  "created_at, awaiting, awaiting_until, sub_version FROM users "

constexpr SqlText kFindUserByTgIdSql = VPNHUB_USER_SELECT "WHERE tg_id = $1";
constexpr SqlText kGetUserSql = VPNHUB_USER_SELECT "WHERE id = $1";
constexpr SqlText kListUsersSql = VPNHUB_USER_SELECT "WHERE id > $1 ORDER BY id LIMIT $2";
// PostgreSQL only (SQLite looks the ids up one at a time).
constexpr SqlText kGetUsersSql = VPNHUB_USER_SELECT "WHERE id = ANY($1::bigint[]) ORDER BY id";

#undef VPNHUB_USER_SELECT

User ReadUser(const SqlRow& r) {
  User u;
  u.id = r.Int64(0);
  u.tg_id = r.Int64(1);
  u.username = r.Text(2);
  u.lang = r.Text(3);
  if (!r.IsNull(4)) u.referrer_id = r.Int64(4);
  u.source = r.Text(5);
  u.blocked_bot = r.Bool(6);
  u.banned = r.Bool(7);
  u.trial_used = r.Bool(8);
  u.created_at = r.Ms(9);
  u.awaiting = r.Text(10);
  u.awaiting_until = r.Ms(11);
  u.sub_version = r.Int64(12);
  return u;
}

}  // namespace

Result<Id> SqlUsers::InsertUser(const User& user) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("InsertUser"));
  return s_.InsertUnique(
      "INSERT INTO users (tg_id, username, lang, referrer_id, source, blocked_bot, banned, "
      "trial_used, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      SqlParams()
          .Int(user.tg_id)
          .Text(user.username)
          .Text(user.lang)
          .IntOrNull(user.referrer_id)
          .Text(user.source)
          .Bool(user.blocked_bot)
          .Bool(user.banned)
          .Bool(user.trial_used)
          .Ms(user.created_at),
      "user with tg_id " + std::to_string(user.tg_id));
}

Result<std::optional<User>> SqlUsers::FindUserByTgId(TgId tg_id) {
  return s_.First<User>(kFindUserByTgIdSql, SqlParams().Int(tg_id), ReadUser);
}

Result<User> SqlUsers::GetUser(Id id) {
  return s_.GetById<User>(kGetUserSql, id, "user", ReadUser);
}

Result<std::vector<User>> SqlUsers::GetUsers(const std::vector<Id>& ids) {
  return s_.AllByIds<User>(kGetUsersSql, kGetUserSql, ids, ReadUser);
}

Result<std::vector<User>> SqlUsers::ListUsers(Id after_id, int limit) {
  return s_.All<User>(kListUsersSql, SqlParams().Int(after_id).Int(NonNegative(limit)), ReadUser);
}

Status SqlUsers::SetUserLang(Id user_id, const std::string& lang) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("SetUserLang"));
  // The row count includes rows whose value stays the same.
  return s_.ModifyById("UPDATE users SET lang = $2 WHERE id = $1",
                       SqlParams().Int(user_id).Text(lang), "user", user_id);
}

Status SqlUsers::SetBlockedBot(Id user_id, bool blocked) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("SetBlockedBot"));
  return s_.ModifyById("UPDATE users SET blocked_bot = $2 WHERE id = $1",
                       SqlParams().Int(user_id).Bool(blocked), "user", user_id);
}

Result<std::int64_t> SqlUsers::CountUsersCreatedSince(Time since) {
  VPNHUB_ASSIGN_OR_RETURN(auto count,
                          s_.First<std::int64_t>(kCountUsersCreatedSinceSql, SqlParams().Ms(since),
                                                 [](const SqlRow& r) { return r.Int64(0); }));
  return count.value_or(0);
}

Status SqlUsers::MarkTrialUsed(Id user_id) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("MarkTrialUsed"));
  return s_.ModifyOne(
      "UPDATE users SET trial_used = TRUE WHERE id = $1 AND NOT trial_used",
      SqlParams().Int(user_id), "users", "user", user_id,
      FailedPrecondition("user " + std::to_string(user_id) + " has already used the trial"));
}

Status SqlUsers::GiveTrialBack(Id user_id) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("GiveTrialBack"));
  return s_.ModifyOne(
      "UPDATE users SET trial_used = FALSE WHERE id = $1 AND trial_used", SqlParams().Int(user_id),
      "users", "user", user_id,
      FailedPrecondition("user " + std::to_string(user_id) + " has not used the trial"));
}

Status SqlUsers::SetAwaiting(Id user_id, const std::string& what, Time until) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("SetAwaiting"));
  return s_.ModifyById("UPDATE users SET awaiting = $2, awaiting_until = $3 WHERE id = $1",
                       SqlParams().Int(user_id).Text(what).Ms(what.empty() ? Time{} : until),
                       "user", user_id);
}

Result<bool> SqlUsers::TakeAwaiting(Id user_id, const std::string& what) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("TakeAwaiting"));
  Status taken = s_.ModifyOne(
      "UPDATE users SET awaiting = '', awaiting_until = 0 WHERE id = $1 AND awaiting = $2 "
      "AND awaiting <> ''",
      SqlParams().Int(user_id).Text(what), "users", "user", user_id,
      FailedPrecondition("not awaited"));
  if (taken.code() == StatusCode::kFailedPrecondition) return false;
  VPNHUB_RETURN_IF_ERROR(taken);
  return true;
}

Status SqlUsers::RotateSubscription(Id user_id) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("RotateSubscription"));
  return s_.ModifyById("UPDATE users SET sub_version = sub_version + 1 WHERE id = $1",
                       SqlParams().Int(user_id), "user", user_id);
}

Result<std::vector<ports::SubscriptionChange>> SqlUsers::SubscriptionChangesAfter(
    std::int64_t after_id, int limit) {
  return s_.All<ports::SubscriptionChange>(
      "SELECT id, user_id FROM subscription_changes WHERE id > $1 ORDER BY id LIMIT $2",
      SqlParams().Int(after_id).Int(NonNegative(limit)), [](const SqlRow& r) {
        ports::SubscriptionChange c;
        c.id = r.Int64(0);
        if (!r.IsNull(1)) c.user_id = r.Int64(1);
        return c;
      });
}

Status SqlUsers::PurgeSubscriptionChanges(std::int64_t below_id) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("PurgeSubscriptionChanges"));
  return s_.Modify("DELETE FROM subscription_changes WHERE id < $1", SqlParams().Int(below_id))
      .status();
}

}  // namespace vpnhub::storage
