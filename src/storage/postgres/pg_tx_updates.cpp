// PgTx: Telegram updates taken (handled once) and the per-chat cap on queued replies.
#include "storage/postgres/pg_tx.hpp"

namespace vpnhub::storage {

Result<bool> PgTx::RecordUpdate(std::int64_t update_id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("RecordUpdate"));
  if (update_id <= 0) return InvalidArgument("update_id must be positive");
  // Two instances inserting the same id at once cannot both succeed, at READ COMMITTED too: the
  // second waits on the first's row and then does nothing.
  auto changed = Modify(
      "INSERT INTO telegram_updates (update_id, seen_at) VALUES ($1, $2) "
      "ON CONFLICT (update_id) DO NOTHING",
      PgParams().Int(update_id).Int(ToUnixMs(now)));
  if (!changed.ok()) return changed.status();
  return *changed > 0;
}

Result<int> PgTx::ForgetUpdates(Time seen_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ForgetUpdates"));
  if (limit <= 0) return 0;
  auto changed = Modify(
      "DELETE FROM telegram_updates WHERE update_id IN (SELECT update_id FROM telegram_updates "
      "WHERE seen_at < $1 ORDER BY seen_at LIMIT $2)",
      PgParams().Int(ToUnixMs(seen_before)).Int(limit));
  if (!changed.ok()) return changed.status();
  return static_cast<int>(*changed);
}

Result<int> PgTx::TrimPendingReplies(TgId chat_id, int keep, const std::string& error, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("TrimPendingReplies"));
  if (keep < 0) return InvalidArgument("TrimPendingReplies: keep must not be negative");
  auto changed = Modify(
      "UPDATE outgoing_messages SET state = 'failed', last_error = $3, updated_at = $4 "
      "WHERE id IN (SELECT id FROM outgoing_messages WHERE chat_id = $1 AND state = 'pending' "
      "AND kind = $5 AND priority IN ($6, $7) ORDER BY id DESC OFFSET $2)",
      PgParams()
          .Int(chat_id)
          .Int(keep)
          .Text(error)
          .Int(ToUnixMs(now))
          .Text(MessageKindName(MessageKind::kText))
          .Int(static_cast<std::int64_t>(MessagePriority::kReply))
          .Int(static_cast<std::int64_t>(MessagePriority::kBulk)));
  if (!changed.ok()) return changed.status();
  return static_cast<int>(*changed);
}

}  // namespace vpnhub::storage
