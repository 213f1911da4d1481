// SqlKeys' moves off a drained server (ports::KeyStore, table key_moves, migration 0016).
#include "storage/sql/ports.hpp"

namespace vpnhub::storage {

Status SqlKeys::InsertKeyMove(Id old_key_id, Id new_key_id, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("InsertKeyMove"));
  // Both columns are unique: ON CONFLICT DO NOTHING (both dialects) keeps the transaction usable,
  // and no row inserted is the taken value.
  VPNHUB_ASSIGN_OR_RETURN(
      auto inserted, s_.Modify("INSERT INTO key_moves (old_key_id, new_key_id, done, created_at) "
                               "VALUES ($1, $2, FALSE, $3) ON CONFLICT DO NOTHING",
                               SqlParams().Int(old_key_id).Int(new_key_id).Ms(now)));
  if (inserted > 0) return Status::Ok();
  return AlreadyExists("key " + std::to_string(old_key_id) + " or key " +
                       std::to_string(new_key_id) + " is in a move already");
}

Result<std::optional<Id>> SqlKeys::FinishKeyMove(Id new_key_id) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("FinishKeyMove"));
  return s_.First<Id>(
      "UPDATE key_moves SET done = TRUE WHERE new_key_id = $1 AND done = FALSE "
      "RETURNING old_key_id",
      SqlParams().Int(new_key_id), [](const SqlRow& r) { return r.Int64(0); });
}

Result<std::optional<Id>> SqlKeys::KeyMovedTo(Id old_key_id) {
  return s_.First<Id>("SELECT new_key_id FROM key_moves WHERE old_key_id = $1 AND done = TRUE",
                      SqlParams().Int(old_key_id), [](const SqlRow& r) { return r.Int64(0); });
}

Result<bool> SqlKeys::RetargetKeySwitch(Id old_key_id, Id new_old_key_id) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("RetargetKeySwitch"));
  // `new_old_key_id` switched itself already (a unique old_key_id): that switch stands, this one
  // is left as it is.
  auto changed = s_.ModifyUnique(
      "UPDATE key_switches SET old_key_id = $2 WHERE old_key_id = $1 AND done = FALSE",
      SqlParams().Int(old_key_id).Int(new_old_key_id), "");
  if (changed.status().code() == StatusCode::kAlreadyExists) return false;
  VPNHUB_RETURN_IF_ERROR(changed.status());
  return *changed > 0;
}

Result<std::vector<Key>> SqlKeys::KeysNotMoved(Id server_id, KeyState state, int limit) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto ids, s_.All<Id>("SELECT k.id FROM keys k WHERE k.server_id = $1 AND k.state = $2 AND "
                           "NOT EXISTS (SELECT 1 FROM key_moves m WHERE m.old_key_id = k.id) "
                           "ORDER BY k.id LIMIT $3",
                           SqlParams().Int(server_id).Text(KeyStateName(state)).Int(limit),
                           [](const SqlRow& r) { return r.Int64(0); }));
  return GetKeys(ids);
}

Result<ports::KeyMoveCounts> SqlKeys::KeyMoveCountsOf(Id server_id) {
  ports::KeyMoveCounts counts;
  VPNHUB_RETURN_IF_ERROR(
      s_.Query("SELECT m.done, n.state, count(*) FROM key_moves m "
               "JOIN keys o ON o.id = m.old_key_id JOIN keys n ON n.id = m.new_key_id "
               "WHERE o.server_id = $1 GROUP BY m.done, n.state",
               SqlParams().Int(server_id), [&](const SqlRow& r) -> Status {
                 const int n = static_cast<int>(r.Int64(2));
                 if (r.Bool(0)) {
                   counts.done += n;
                 } else if (r.Text(1) == KeyStateName(KeyState::kPending)) {
                   counts.waiting += n;
                 } else {
                   // Failed, or revoked before it became active: the old key still runs.
                   counts.failed += n;
                 }
                 return Status::Ok();
               }));
  return counts;
}

}  // namespace vpnhub::storage
