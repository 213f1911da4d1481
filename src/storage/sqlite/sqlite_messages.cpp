// SqliteMessages: the outgoing message queue and the per-chat cap on queued replies.
#include "storage/codec.hpp"
#include "storage/sql_ports.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

using SqliteMessages = SqlMessages<SqlitePort>;
namespace {

#define VPNHUB_MESSAGE_COLUMNS                                                                  \
  "id, chat_id, kind, priority, subject_id, text, keyboard, edit_message_id, photo_qr, state, " \
  "attempts, next_attempt_at, last_error, created_at"

constexpr char kGetMessageSql[] =
    "SELECT " VPNHUB_MESSAGE_COLUMNS " FROM outgoing_messages WHERE id = ?1";
constexpr char kListMessagesSql[] =
    "SELECT " VPNHUB_MESSAGE_COLUMNS " FROM outgoing_messages ORDER BY id DESC LIMIT ?2";
constexpr char kListMessagesInStateSql[] = "SELECT " VPNHUB_MESSAGE_COLUMNS
                                           " FROM outgoing_messages WHERE state = ?1 "
                                           "ORDER BY id DESC LIMIT ?2";
// Claimable: pending and due, or sending with an expired lease. One row, changed in place.
constexpr char kClaimMessageSql[] =
    "UPDATE outgoing_messages SET state = 'sending', attempts = attempts + 1, "
    "next_attempt_at = ?3, updated_at = ?2 "
    "WHERE id = ?1 AND state IN ('pending', 'sending') AND next_attempt_at <= ?2 "
    "RETURNING " VPNHUB_MESSAGE_COLUMNS;

#undef VPNHUB_MESSAGE_COLUMNS

Result<OutgoingMessage> ReadMessage(const Statement& s) {
  OutgoingMessage m;
  m.id = s.ColumnInt64(0);
  m.chat_id = s.ColumnInt64(1);
  std::string kind = s.ColumnText(2);
  auto parsed_kind = ParseMessageKind(kind);
  if (!parsed_kind) {
    return Internal("message " + std::to_string(m.id) + ": unknown kind '" + kind + "'");
  }
  m.kind = *parsed_kind;
  auto priority = MessagePriorityFromInt(s.ColumnInt64(3));
  if (!priority) {
    return Internal("message " + std::to_string(m.id) + ": unknown priority " +
                    std::to_string(s.ColumnInt64(3)));
  }
  m.priority = *priority;
  m.subject_id = s.ColumnInt64(4);
  m.text = s.ColumnText(5);
  VPNHUB_ASSIGN_OR_RETURN(auto keyboard, KeyboardFromJson(s.ColumnText(6), m.id));
  m.keyboard = std::move(keyboard);
  m.edit_message_id = s.ColumnInt64(7);
  m.photo_qr = s.ColumnText(8);
  std::string state = s.ColumnText(9);
  auto parsed_state = ParseMessageState(state);
  if (!parsed_state) {
    return Internal("message " + std::to_string(m.id) + ": unknown state '" + state + "'");
  }
  m.state = *parsed_state;
  m.attempts = s.ColumnInt(10);
  m.next_attempt_at = FromUnixMs(s.ColumnInt64(11));
  m.last_error = s.ColumnText(12);
  m.created_at = FromUnixMs(s.ColumnInt64(13));
  return m;
}

Result<std::vector<OutgoingMessage>> CollectMessages(Statement& stmt) {
  std::vector<OutgoingMessage> messages;
  VPNHUB_RETURN_IF_ERROR(ForEachRow(stmt, [&](const Statement& s) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(OutgoingMessage m, ReadMessage(s));
    messages.push_back(std::move(m));
    return Status::Ok();
  }));
  return messages;
}

}  // namespace

// Spelled with the exact WHERE clause of the partial index outgoing_messages_claim (see
// 0002_bot.sql), so SQLite walks that index: priority fixed, next_attempt_at up to now, already in
// (next_attempt_at, id) order. Sent and failed rows are not in the index at all.
const char kClaimableMessagesSql[] =
    "SELECT id FROM outgoing_messages WHERE state IN ('pending', 'sending') AND priority = ?2 "
    "AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?3";

// The state IN (...) term, spelled as in the partial index outgoing_messages_chat, lets SQLite use
// that index: only the chat's queued rows are touched.
const char kDropPendingMessagesSql[] =
    "UPDATE outgoing_messages SET state = 'failed', last_error = ?2, updated_at = ?3 "
    "WHERE chat_id = ?1 AND state IN ('pending', 'sending') AND state = 'pending'";

// IN rather than != 'sent', so the state index skips the sent rows, which pile up forever.
const char kMessageStatsSql[] =
    "SELECT state, count(*) FROM outgoing_messages "
    "WHERE state IN ('pending', 'sending', 'failed') GROUP BY state";

template <>
Result<Id> SqliteMessages::EnqueueMessage(const OutgoingMessage& message) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("EnqueueMessage"));
  const auto priority = static_cast<std::int64_t>(message.priority);
  if (!MessagePriorityFromInt(priority)) {
    return InvalidArgument("message priority " + std::to_string(priority) + " is not known");
  }
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare(
          "INSERT INTO outgoing_messages (chat_id, kind, priority, subject_id, text, keyboard, "
          "edit_message_id, photo_qr, state, attempts, next_attempt_at, last_error, created_at, "
          "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', 0, ?9, '', ?10, ?10)"));
  stmt->BindInt64(1, message.chat_id)
      .BindText(2, MessageKindName(message.kind))
      .BindInt64(3, priority)
      .BindInt64(4, message.subject_id)
      .BindText(5, message.text)
      .BindText(6, KeyboardToJson(message.keyboard))
      .BindInt64(7, message.edit_message_id)
      .BindText(8, message.photo_qr)
      .BindInt64(9, ToUnixMs(message.next_attempt_at))
      .BindInt64(10, ToUnixMs(message.created_at));
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return conn_.LastInsertRowid();
}

template <>
Status SqliteMessages::EnqueueMessages(const std::vector<OutgoingMessage>& messages) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("EnqueueMessages"));
  for (const OutgoingMessage& m : messages) {
    VPNHUB_RETURN_IF_ERROR(EnqueueMessage(m));
  }
  return Status::Ok();
}

template <>
Result<OutgoingMessage> SqliteMessages::GetMessage(Id id) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kGetMessageSql));
  stmt->BindInt64(1, id);
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return NotFound("message " + std::to_string(id) + " not found");
  return ReadMessage(*stmt);
}

template <>
Result<std::vector<OutgoingMessage>> SqliteMessages::ClaimMessages(Time now, Duration lease,
                                                                   int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ClaimMessages"));
  // The ids first, one index range per priority in priority order (so their concatenation is the
  // claim order), then each is claimed; all in the caller's write transaction.
  const std::size_t wanted = limit < 0 ? 0 : static_cast<std::size_t>(limit);
  std::vector<Id> ids;
  for (MessagePriority priority : kMessagePriorities) {
    if (ids.size() >= wanted) break;
    VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kClaimableMessagesSql));
    stmt->BindInt64(1, ToUnixMs(now))
        .BindInt64(2, static_cast<std::int64_t>(priority))
        .BindInt64(3, static_cast<std::int64_t>(wanted - ids.size()));
    VPNHUB_RETURN_IF_ERROR(ForEachRow(*stmt, [&](const Statement& s) {
      ids.push_back(s.ColumnInt64(0));
      return Status::Ok();
    }));
  }
  std::vector<OutgoingMessage> messages;
  messages.reserve(ids.size());
  for (Id id : ids) {
    VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kClaimMessageSql));
    stmt->BindInt64(1, id).BindInt64(2, ToUnixMs(now)).BindInt64(3, ToUnixMs(now + lease));
    VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) continue;
    VPNHUB_ASSIGN_OR_RETURN(OutgoingMessage m, ReadMessage(*stmt));
    VPNHUB_RETURN_IF_ERROR(stmt->Run());  // finish the statement before it is reset
    messages.push_back(std::move(m));
  }
  return messages;
}

template <>
Status SqliteMessages::FinishSendingMessage(Id id, MessageState to_state, Time next_attempt_at,
                                            const std::string& error, int attempts_given_back,
                                            Time now) {
  {
    VPNHUB_ASSIGN_OR_RETURN(
        auto stmt,
        conn_.Prepare(
            "UPDATE outgoing_messages SET state = ?2, next_attempt_at = ?3, last_error = ?4, "
            "attempts = max(attempts - ?5, 0), updated_at = ?6 WHERE id = ?1 AND state = "
            "'sending'"));
    stmt->BindInt64(1, id)
        .BindText(2, MessageStateName(to_state))
        .BindInt64(3, ToUnixMs(next_attempt_at))
        .BindText(4, error)
        .BindInt64(5, attempts_given_back)
        .BindInt64(6, ToUnixMs(now));
    VPNHUB_RETURN_IF_ERROR(stmt->Run());
  }
  if (conn_.Changes() > 0) return Status::Ok();
  return ExplainNoChange("outgoing_messages", "message", id,
                         Conflict("message " + std::to_string(id) + " is not sending"));
}

template <>
Status SqliteMessages::CompleteMessage(Id id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("CompleteMessage"));
  return FinishSendingMessage(id, MessageState::kSent, now, "", 0, now);
}

template <>
Status SqliteMessages::RescheduleMessage(Id id, Time next, const std::string& error,
                                         bool count_attempt, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("RescheduleMessage"));
  return FinishSendingMessage(id, MessageState::kPending, next, error, count_attempt ? 0 : 1, now);
}

template <>
Status SqliteMessages::FailMessage(Id id, const std::string& error, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("FailMessage"));
  return FinishSendingMessage(id, MessageState::kFailed, now, error, 0, now);
}

template <>
Result<int> SqliteMessages::DropPendingMessages(TgId chat_id, const std::string& error, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("DropPendingMessages"));
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kDropPendingMessagesSql));
  stmt->BindInt64(1, chat_id).BindText(2, error).BindInt64(3, ToUnixMs(now));
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return static_cast<int>(conn_.Changes());
}

template <>
Result<std::vector<OutgoingMessage>> SqliteMessages::ListMessages(std::optional<MessageState> state,
                                                                  int limit) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt,
                          conn_.Prepare(state ? kListMessagesInStateSql : kListMessagesSql));
  if (state) stmt->BindText(1, MessageStateName(*state));
  stmt->BindInt64(2, limit < 0 ? 0 : limit);
  return CollectMessages(*stmt);
}

// alert throttle

// settings

template <>
Result<int> SqliteMessages::TrimPendingReplies(TgId chat_id, int keep, const std::string& error,
                                               Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("TrimPendingReplies"));
  if (keep < 0) return InvalidArgument("TrimPendingReplies: keep must not be negative");
  // "state IN (...) AND state = 'pending'" lets SQLite use the partial outgoing_messages_chat
  // index (its WHERE clause must appear in the query as written). LIMIT -1 = no limit.
  VPNHUB_ASSIGN_OR_RETURN(
      auto stmt,
      conn_.Prepare(
          "UPDATE outgoing_messages SET state = 'failed', last_error = ?3, updated_at = ?4 "
          "WHERE id IN (SELECT id FROM outgoing_messages WHERE chat_id = ?1 "
          "AND state IN ('pending', 'sending') AND state = 'pending' AND kind = ?5 "
          "AND priority IN (?6, ?7) ORDER BY id DESC LIMIT -1 OFFSET ?2)"));
  stmt->BindInt64(1, chat_id)
      .BindInt64(2, keep)
      .BindText(3, error)
      .BindInt64(4, ToUnixMs(now))
      .BindText(5, MessageKindName(MessageKind::kText))
      .BindInt64(6, static_cast<std::int64_t>(MessagePriority::kReply))
      .BindInt64(7, static_cast<std::int64_t>(MessagePriority::kBulk));
  VPNHUB_RETURN_IF_ERROR(stmt->Run());
  return static_cast<int>(conn_.Changes());
}

template <>
Result<std::int64_t> SqliteMessages::CountMessages(MessageState state) {
  VPNHUB_ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(kCountMessagesSql));
  stmt->BindText(1, MessageStateName(state));
  VPNHUB_ASSIGN_OR_RETURN(bool row, stmt->Step());
  return row ? stmt->ColumnInt64(0) : 0;
}

template class SqlMessages<SqlitePort>;

}  // namespace vpnhub::storage
