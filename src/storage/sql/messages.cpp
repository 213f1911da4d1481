// SqlMessages: the outgoing message queue and the per-chat cap on queued replies
// (ports::MessageStore).
#include "storage/codec.hpp"
#include "storage/sql/indexed_queries.hpp"
#include "storage/sql/ports.hpp"

namespace vpnhub::storage {
namespace {

#define VPNHUB_MESSAGE_COLUMNS                                                                  \
  "id, chat_id, kind, priority, subject_id, text, keyboard, edit_message_id, photo_qr, state, " \
  "attempts, next_attempt_at, last_error, created_at"

constexpr SqlText kGetMessageSql =
    "SELECT " VPNHUB_MESSAGE_COLUMNS " FROM outgoing_messages WHERE id = $1";
constexpr SqlText kListMessagesSql =
    "SELECT " VPNHUB_MESSAGE_COLUMNS " FROM outgoing_messages ORDER BY id DESC LIMIT $1";
constexpr SqlText kListMessagesInStateSql = "SELECT " VPNHUB_MESSAGE_COLUMNS
                                            " FROM outgoing_messages WHERE state = $2 "
                                            "ORDER BY id DESC LIMIT $1";
// SQLite claims one row at a time: pending and due, or sending with an expired lease.
constexpr SqlText kClaimMessageSql =
    "UPDATE outgoing_messages SET state = 'sending', attempts = attempts + 1, "
    "next_attempt_at = $3, updated_at = $2 "
    "WHERE id = $1 AND state IN ('pending', 'sending') AND next_attempt_at <= $2 "
    "RETURNING " VPNHUB_MESSAGE_COLUMNS;

// PostgreSQL picks a priority's claimable rows with SKIP LOCKED (concurrent senders pass over
// rows another claim holds) and claims them in the same statement.
#define VPNHUB_PG_CLAIMABLE_MESSAGES                                                   \
  "SELECT id, next_attempt_at AS due FROM outgoing_messages "                          \
  "WHERE state IN ('pending', 'sending') AND priority = $2 AND next_attempt_at <= $1 " \
  "ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED"

// The rows of kClaimableMessagesSql, claimed in one statement; RETURNING has no order, so the
// old next_attempt_at comes along to sort by.
constexpr SqlText kClaimMessagesSql =
    "WITH picked AS (" VPNHUB_PG_CLAIMABLE_MESSAGES
    "), claimed AS ("
    " UPDATE outgoing_messages m SET state = 'sending', attempts = m.attempts + 1,"
    " next_attempt_at = $4, updated_at = $1 FROM picked WHERE m.id = picked.id"
    " RETURNING m.id, m.chat_id, m.kind, m.priority, m.subject_id, m.text, m.keyboard,"
    " m.edit_message_id, m.photo_qr, m.state, m.attempts, m.next_attempt_at, m.last_error,"
    " m.created_at, picked.due) "
    "SELECT " VPNHUB_MESSAGE_COLUMNS " FROM claimed ORDER BY due, id";

#undef VPNHUB_MESSAGE_COLUMNS

}  // namespace

// One priority's claimable messages in claim order, spelled with the exact WHERE clause of the
// partial index outgoing_messages_claim (see 0002_bot.sql), so both planners walk that index:
// priority fixed, next_attempt_at up to now. Sent and failed rows are not in the index at all.
const SqlText kClaimableMessagesSql(
    VPNHUB_PG_CLAIMABLE_MESSAGES,
    "SELECT id FROM outgoing_messages WHERE state IN ('pending', 'sending') AND priority = $2 "
    "AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $3");
#undef VPNHUB_PG_CLAIMABLE_MESSAGES

// Only the chat's queued rows are touched. PostgreSQL: state = 'pending' implies the partial
// index's state IN ('pending', 'sending'). SQLite needs the index's term spelled as written.
const SqlText kDropPendingMessagesSql(
    "UPDATE outgoing_messages SET state = 'failed', last_error = $2, updated_at = $3 "
    "WHERE chat_id = $1 AND state = 'pending'",
    "UPDATE outgoing_messages SET state = 'failed', last_error = $2, updated_at = $3 "
    "WHERE chat_id = $1 AND state IN ('pending', 'sending') AND state = 'pending'");

const SqlText kCountMessagesSql = "SELECT count(*) FROM outgoing_messages WHERE state = $1";

namespace {

Result<OutgoingMessage> ReadMessage(const SqlRow& r) {
  OutgoingMessage m;
  m.id = r.Int64(0);
  m.chat_id = r.Int64(1);
  std::string kind = r.Text(2);
  auto parsed_kind = ParseMessageKind(kind);
  if (!parsed_kind) {
    return Internal("message " + std::to_string(m.id) + ": unknown kind '" + kind + "'");
  }
  m.kind = *parsed_kind;
  auto priority = MessagePriorityFromInt(r.Int64(3));
  if (!priority) {
    return Internal("message " + std::to_string(m.id) + ": unknown priority " +
                    std::to_string(r.Int64(3)));
  }
  m.priority = *priority;
  m.subject_id = r.Int64(4);
  m.text = r.Text(5);
  VPNHUB_ASSIGN_OR_RETURN(auto keyboard, KeyboardFromJson(r.Text(6), m.id));
  m.keyboard = std::move(keyboard);
  m.edit_message_id = r.Int64(7);
  m.photo_qr = r.Text(8);
  std::string state = r.Text(9);
  auto parsed_state = ParseMessageState(state);
  if (!parsed_state) {
    return Internal("message " + std::to_string(m.id) + ": unknown state '" + state + "'");
  }
  m.state = *parsed_state;
  m.attempts = r.Int(10);
  m.next_attempt_at = r.Ms(11);
  m.last_error = r.Text(12);
  m.created_at = r.Ms(13);
  return m;
}

Result<std::int64_t> KnownPriority(MessagePriority p) {
  const auto priority = static_cast<std::int64_t>(p);
  if (!MessagePriorityFromInt(priority)) {
    return InvalidArgument("message priority " + std::to_string(priority) + " is not known");
  }
  return priority;
}

}  // namespace

Result<Id> SqlMessages::EnqueueMessage(const OutgoingMessage& message) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("EnqueueMessage"));
  VPNHUB_ASSIGN_OR_RETURN(const std::int64_t priority, KnownPriority(message.priority));
  return s_.Insert(
      "INSERT INTO outgoing_messages (chat_id, kind, priority, subject_id, text, keyboard, "
      "edit_message_id, photo_qr, state, attempts, next_attempt_at, last_error, created_at, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, '', $10, $10)",
      SqlParams()
          .Int(message.chat_id)
          .Text(MessageKindName(message.kind))
          .Int(priority)
          .Int(message.subject_id)
          .Text(message.text)
          .Text(KeyboardToJson(message.keyboard))
          .Int(message.edit_message_id)
          .Text(message.photo_qr)
          .Ms(message.next_attempt_at)
          .Ms(message.created_at));
}

Status SqlMessages::EnqueueMessages(const std::vector<OutgoingMessage>& messages) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("EnqueueMessages"));
  if (messages.empty()) return Status::Ok();
  if (s_.dialect() == SqlDialect::kSqlite) {
    // In-process: one prepared INSERT per message.
    for (const OutgoingMessage& m : messages) VPNHUB_RETURN_IF_ERROR(EnqueueMessage(m));
    return Status::Ok();
  }
  std::vector<std::int64_t> chat, priority, subject, edit, next, created;
  std::vector<std::string> kind, text, keyboard, photo;
  for (const OutgoingMessage& m : messages) {
    VPNHUB_ASSIGN_OR_RETURN(const std::int64_t p, KnownPriority(m.priority));
    chat.push_back(m.chat_id);
    kind.push_back(MessageKindName(m.kind));
    priority.push_back(p);
    subject.push_back(m.subject_id);
    text.push_back(m.text);
    keyboard.push_back(KeyboardToJson(m.keyboard));
    edit.push_back(m.edit_message_id);
    photo.push_back(m.photo_qr);
    next.push_back(ToUnixMs(m.next_attempt_at));
    created.push_back(ToUnixMs(m.created_at));
  }
  // PostgreSQL: one statement. unnest() of equal-length arrays yields the rows in array order, so
  // ids follow vector order.
  return s_
      .Modify(
          "INSERT INTO outgoing_messages (chat_id, kind, priority, subject_id, text, keyboard, "
          "edit_message_id, photo_qr, state, attempts, next_attempt_at, last_error, created_at, "
          "updated_at) SELECT c, k, p, s, t, kb, e, ph, 'pending', 0, n, '', cr, cr FROM unnest("
          "$1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], "
          "$7::bigint[], $8::text[], $9::bigint[], $10::bigint[]) "
          "WITH ORDINALITY AS m(c, k, p, s, t, kb, e, ph, n, cr, ord) ORDER BY ord",
          SqlParams()
              .Ints(std::move(chat))
              .Texts(std::move(kind))
              .Ints(std::move(priority))
              .Ints(std::move(subject))
              .Texts(std::move(text))
              .Texts(std::move(keyboard))
              .Ints(std::move(edit))
              .Texts(std::move(photo))
              .Ints(std::move(next))
              .Ints(std::move(created)))
      .status();
}

Result<OutgoingMessage> SqlMessages::GetMessage(Id id) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto message, s_.First<OutgoingMessage>(kGetMessageSql, SqlParams().Int(id), ReadMessage));
  if (!message) return NotFound("message " + std::to_string(id) + " not found");
  return std::move(*message);
}

Result<std::vector<OutgoingMessage>> SqlMessages::ClaimMessages(Time now, Duration lease,
                                                                int limit) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("ClaimMessages"));
  // One index range per priority, in priority order, so their concatenation is the claim order.
  const std::size_t wanted = limit < 0 ? 0 : static_cast<std::size_t>(limit);
  const bool pg = s_.dialect() == SqlDialect::kPostgres;
  std::vector<OutgoingMessage> messages;
  std::vector<Id> ids;  // SQLite: the ids first, then each is claimed
  for (MessagePriority priority : kMessagePriorities) {
    const std::size_t have = pg ? messages.size() : ids.size();
    if (have >= wanted) break;
    SqlParams params;
    params.Ms(now)
        .Int(static_cast<std::int64_t>(priority))
        .Int(static_cast<std::int64_t>(wanted - have));
    if (!pg) {
      VPNHUB_RETURN_IF_ERROR(s_.Query(kClaimableMessagesSql, params, [&](const SqlRow& r) {
        ids.push_back(r.Int64(0));
        return Status::Ok();
      }));
      continue;
    }
    VPNHUB_ASSIGN_OR_RETURN(
        auto claimed,
        s_.All<OutgoingMessage>(kClaimMessagesSql, params.Ms(now + lease), ReadMessage));
    for (OutgoingMessage& m : claimed) messages.push_back(std::move(m));
  }
  for (Id id : ids) {
    VPNHUB_ASSIGN_OR_RETURN(
        auto m, s_.First<OutgoingMessage>(
                    kClaimMessageSql, SqlParams().Int(id).Ms(now).Ms(now + lease), ReadMessage));
    if (m) messages.push_back(std::move(*m));
  }
  return messages;
}

Status SqlMessages::FinishSendingMessage(Id id, MessageState to_state, Time next_attempt_at,
                                         const std::string& error, int attempts_given_back,
                                         Time now) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      s_.Modify(SqlText("UPDATE outgoing_messages SET state = $2, next_attempt_at = $3, "
                        "last_error = $4, attempts = greatest(attempts - $5, 0), updated_at = $6 "
                        "WHERE id = $1 AND state = 'sending'",
                        "UPDATE outgoing_messages SET state = $2, next_attempt_at = $3, "
                        "last_error = $4, attempts = max(attempts - $5, 0), updated_at = $6 "
                        "WHERE id = $1 AND state = 'sending'"),
                SqlParams()
                    .Int(id)
                    .Text(MessageStateName(to_state))
                    .Ms(next_attempt_at)
                    .Text(error)
                    .Int(attempts_given_back)
                    .Ms(now)));
  if (changed > 0) return Status::Ok();
  return s_.ExplainNoChange("outgoing_messages", "message", id,
                            Conflict("message " + std::to_string(id) + " is not sending"));
}

Status SqlMessages::CompleteMessage(Id id, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("CompleteMessage"));
  return FinishSendingMessage(id, MessageState::kSent, now, "", 0, now);
}

Status SqlMessages::RescheduleMessage(Id id, Time next, const std::string& error,
                                      bool count_attempt, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("RescheduleMessage"));
  return FinishSendingMessage(id, MessageState::kPending, next, error, count_attempt ? 0 : 1, now);
}

Status SqlMessages::FailMessage(Id id, const std::string& error, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("FailMessage"));
  return FinishSendingMessage(id, MessageState::kFailed, now, error, 0, now);
}

Result<int> SqlMessages::DropPendingMessages(TgId chat_id, const std::string& error, Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("DropPendingMessages"));
  VPNHUB_ASSIGN_OR_RETURN(auto changed, s_.Modify(kDropPendingMessagesSql,
                                                  SqlParams().Int(chat_id).Text(error).Ms(now)));
  return static_cast<int>(changed);
}

Result<std::vector<OutgoingMessage>> SqlMessages::ListMessages(std::optional<MessageState> state,
                                                               int limit) {
  SqlParams params;
  params.Int(NonNegative(limit));
  if (state) params.Text(MessageStateName(*state));
  return s_.All<OutgoingMessage>(state ? kListMessagesInStateSql : kListMessagesSql, params,
                                 ReadMessage);
}

Result<int> SqlMessages::TrimPendingReplies(TgId chat_id, int keep, const std::string& error,
                                            Time now) {
  VPNHUB_RETURN_IF_ERROR(s_.CheckWritable("TrimPendingReplies"));
  if (keep < 0) return InvalidArgument("TrimPendingReplies: keep must not be negative");
  // SQLite: "state IN (...) AND state = 'pending'" lets it use the partial outgoing_messages_chat
  // index (its WHERE clause must appear in the query as written); LIMIT -1 = no limit.
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      s_.Modify(
          SqlText("UPDATE outgoing_messages SET state = 'failed', last_error = $3, "
                  "updated_at = $4 WHERE id IN (SELECT id FROM outgoing_messages "
                  "WHERE chat_id = $1 AND state = 'pending' "
                  "AND kind = $5 AND priority IN ($6, $7) ORDER BY id DESC OFFSET $2)",
                  "UPDATE outgoing_messages SET state = 'failed', last_error = $3, "
                  "updated_at = $4 WHERE id IN (SELECT id FROM outgoing_messages "
                  "WHERE chat_id = $1 AND state IN ('pending', 'sending') AND state = 'pending' "
                  "AND kind = $5 AND priority IN ($6, $7) ORDER BY id DESC LIMIT -1 OFFSET $2)"),
          SqlParams()
              .Int(chat_id)
              .Int(keep)
              .Text(error)
              .Ms(now)
              .Text(MessageKindName(MessageKind::kText))
              .Int(static_cast<std::int64_t>(MessagePriority::kReply))
              .Int(static_cast<std::int64_t>(MessagePriority::kBulk))));
  return static_cast<int>(changed);
}

Result<std::int64_t> SqlMessages::CountMessages(MessageState state) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto count,
      s_.First<std::int64_t>(kCountMessagesSql, SqlParams().Text(MessageStateName(state)),
                             [](const SqlRow& r) { return r.Int64(0); }));
  return count.value_or(0);
}

}  // namespace vpnhub::storage
