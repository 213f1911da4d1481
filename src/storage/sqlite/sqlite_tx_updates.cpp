// SqliteTx: Telegram updates taken (handled once) and the per-chat cap on queued replies.
#include "storage/sqlite/sqlite_tx.hpp"

namespace vpnhub::storage {

Result<bool> SqliteTx::RecordUpdate(std::int64_t update_id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("RecordUpdate"));
  if (update_id <= 0) return InvalidArgument("update_id must be positive");
  auto stmt = conn_.Prepare(
      "INSERT INTO telegram_updates (update_id, seen_at) VALUES (?1, ?2) "
      "ON CONFLICT (update_id) DO NOTHING");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindInt64(1, update_id).BindInt64(2, ToUnixMs(now));
  VPNHUB_RETURN_IF_ERROR((*stmt)->Run());
  return conn_.Changes() > 0;
}

Result<int> SqliteTx::ForgetUpdates(Time seen_before, int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ForgetUpdates"));
  if (limit <= 0) return 0;
  auto stmt = conn_.Prepare(
      "DELETE FROM telegram_updates WHERE update_id IN (SELECT update_id FROM telegram_updates "
      "WHERE seen_at < ?1 ORDER BY seen_at LIMIT ?2)");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->BindInt64(1, ToUnixMs(seen_before)).BindInt64(2, limit);
  VPNHUB_RETURN_IF_ERROR((*stmt)->Run());
  return static_cast<int>(conn_.Changes());
}

Result<int> SqliteTx::TrimPendingReplies(TgId chat_id, int keep, const std::string& error,
                                         Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("TrimPendingReplies"));
  if (keep < 0) return InvalidArgument("TrimPendingReplies: keep must not be negative");
  // "state IN (...) AND state = 'pending'" lets SQLite use the partial outgoing_messages_chat
  // index (its WHERE clause must appear in the query as written). LIMIT -1 = no limit.
  auto stmt = conn_.Prepare(
      "UPDATE outgoing_messages SET state = 'failed', last_error = ?3, updated_at = ?4 "
      "WHERE id IN (SELECT id FROM outgoing_messages WHERE chat_id = ?1 "
      "AND state IN ('pending', 'sending') AND state = 'pending' AND kind = ?5 "
      "AND priority IN (?6, ?7) ORDER BY id DESC LIMIT -1 OFFSET ?2)");
  if (!stmt.ok()) return stmt.status();
  (*stmt)
      ->BindInt64(1, chat_id)
      .BindInt64(2, keep)
      .BindText(3, error)
      .BindInt64(4, ToUnixMs(now))
      .BindText(5, MessageKindName(MessageKind::kText))
      .BindInt64(6, static_cast<std::int64_t>(MessagePriority::kReply))
      .BindInt64(7, static_cast<std::int64_t>(MessagePriority::kBulk));
  VPNHUB_RETURN_IF_ERROR((*stmt)->Run());
  return static_cast<int>(conn_.Changes());
}

}  // namespace vpnhub::storage
