// PgUsers: the people who use the bot (ports::UserStore).
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgUsers = SqlUsers<PgPort>;

// A range of the users_created_at index.
const char kPgCountUsersCreatedSinceSql[] = "SELECT count(*) FROM users WHERE created_at >= $1";

namespace {

#define VPNHUB_USER_SELECT                                                                   \
  "SELECT id, tg_id, username, lang, referrer_id, source, blocked_bot, banned, trial_used, " \
  "created_at FROM users "

constexpr char kFindUserByTgIdSql[] = VPNHUB_USER_SELECT "WHERE tg_id = $1";
constexpr char kGetUserSql[] = VPNHUB_USER_SELECT "WHERE id = $1";
constexpr char kListUsersSql[] = VPNHUB_USER_SELECT "WHERE id > $1 ORDER BY id LIMIT $2";
constexpr char kGetUsersSql[] = VPNHUB_USER_SELECT "WHERE id = ANY($1::bigint[]) ORDER BY id";

#undef VPNHUB_USER_SELECT

User ReadUser(const PgResult& r, int row) {
  User u;
  u.id = r.Int64(row, 0);
  u.tg_id = r.Int64(row, 1);
  u.username = r.Text(row, 2);
  u.lang = r.Text(row, 3);
  if (!r.IsNull(row, 4)) u.referrer_id = r.Int64(row, 4);
  u.source = r.Text(row, 5);
  u.blocked_bot = r.Bool(row, 6);
  u.banned = r.Bool(row, 7);
  u.trial_used = r.Bool(row, 8);
  u.created_at = FromUnixMs(r.Int64(row, 9));
  return u;
}

int NonNegative(int limit) { return limit < 0 ? 0 : limit; }

}  // namespace

template <>
Result<Id> PgUsers::InsertUser(const User& user) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("InsertUser"));
  return InsertReturningId(
      "INSERT INTO users (tg_id, username, lang, referrer_id, source, blocked_bot, banned, "
      "trial_used, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
      "ON CONFLICT DO NOTHING RETURNING id",
      PgParams()
          .Int(user.tg_id)
          .Text(user.username)
          .Text(user.lang)
          .IntOrNull(user.referrer_id)
          .Text(user.source)
          .Bool(user.blocked_bot)
          .Bool(user.banned)
          .Bool(user.trial_used)
          .Int(ToUnixMs(user.created_at)),
      "user with tg_id " + std::to_string(user.tg_id));
}

template <>
Result<std::optional<User>> PgUsers::FindUserByTgId(TgId tg_id) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn_.Query(kFindUserByTgIdSql, PgParams().Int(tg_id)));
  if (r.rows() == 0) return std::optional<User>();
  return std::optional<User>(ReadUser(r, 0));
}

template <>
Result<User> PgUsers::GetUser(Id id) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn_.Query(kGetUserSql, PgParams().Int(id)));
  if (r.rows() == 0) return NotFound("user " + std::to_string(id) + " not found");
  return ReadUser(r, 0);
}

template <>
Result<std::vector<User>> PgUsers::GetUsers(const std::vector<Id>& ids) {
  std::vector<User> users;
  if (ids.empty()) return users;
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn_.Query(kGetUsersSql, PgParams().IntArray(ids)));
  users.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) users.push_back(ReadUser(r, row));
  return users;
}

template <>
Result<std::vector<User>> PgUsers::ListUsers(Id after_id, int limit) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, conn_.Query(kListUsersSql, PgParams().Int(after_id).Int(NonNegative(limit))));
  std::vector<User> users;
  users.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) users.push_back(ReadUser(r, row));
  return users;
}

template <>
Status PgUsers::SetUserLang(Id user_id, const std::string& lang) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetUserLang"));
  // The row count includes rows whose value stays the same.
  VPNHUB_ASSIGN_OR_RETURN(auto changed, Modify("UPDATE users SET lang = $2 WHERE id = $1",
                                               PgParams().Int(user_id).Text(lang)));
  if (changed > 0) return Status::Ok();
  return NotFound("user " + std::to_string(user_id) + " not found");
}

template <>
Status PgUsers::SetBlockedBot(Id user_id, bool blocked) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("SetBlockedBot"));
  VPNHUB_ASSIGN_OR_RETURN(auto changed, Modify("UPDATE users SET blocked_bot = $2 WHERE id = $1",
                                               PgParams().Int(user_id).Bool(blocked)));
  if (changed > 0) return Status::Ok();
  return NotFound("user " + std::to_string(user_id) + " not found");
}

template <>
Result<std::int64_t> PgUsers::CountUsersCreatedSince(Time since) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, conn_.Query(kPgCountUsersCreatedSinceSql, PgParams().Int(ToUnixMs(since))));
  return r.Int64(0, 0);
}

template <>
Status PgUsers::MarkTrialUsed(Id user_id) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("MarkTrialUsed"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed, Modify("UPDATE users SET trial_used = TRUE WHERE id = $1 AND NOT trial_used",
                           PgParams().Int(user_id)));
  if (changed > 0) return Status::Ok();
  return ExplainNoChange(
      "users", "user", user_id,
      FailedPrecondition("user " + std::to_string(user_id) + " has already used the trial"));
}

template <>
Status PgUsers::GiveTrialBack(Id user_id) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("GiveTrialBack"));
  VPNHUB_ASSIGN_OR_RETURN(auto changed,
                          Modify("UPDATE users SET trial_used = FALSE WHERE id = $1 AND trial_used",
                                 PgParams().Int(user_id)));
  if (changed > 0) return Status::Ok();
  return ExplainNoChange(
      "users", "user", user_id,
      FailedPrecondition("user " + std::to_string(user_id) + " has not used the trial"));
}

template class SqlUsers<PgPort>;

}  // namespace vpnhub::storage
