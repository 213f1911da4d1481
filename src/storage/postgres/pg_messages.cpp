// PgMessages: the outgoing message queue and the per-chat cap on queued replies.
#include "storage/codec.hpp"
#include "storage/postgres/pg_port.hpp"
#include "storage/sql_ports.hpp"

namespace vpnhub::storage {

using PgMessages = SqlMessages<PgPort>;
namespace {

#define VPNHUB_MESSAGE_COLUMNS                                                                  \
  "id, chat_id, kind, priority, subject_id, text, keyboard, edit_message_id, photo_qr, state, " \
  "attempts, next_attempt_at, last_error, created_at"

constexpr char kGetMessageSql[] =
    "SELECT " VPNHUB_MESSAGE_COLUMNS " FROM outgoing_messages WHERE id = $1";
constexpr char kListMessagesSql[] =
    "SELECT " VPNHUB_MESSAGE_COLUMNS " FROM outgoing_messages ORDER BY id DESC LIMIT $1";
constexpr char kListMessagesInStateSql[] = "SELECT " VPNHUB_MESSAGE_COLUMNS
                                           " FROM outgoing_messages WHERE state = $2 "
                                           "ORDER BY id DESC LIMIT $1";

}  // namespace

// One priority's claimable messages in claim order. The state condition is the WHERE clause of
// the partial index outgoing_messages_claim (see 0002_bot.sql), so the planner walks that index:
// priority fixed, next_attempt_at up to now. Sent and failed rows are not in the index at all.
// SKIP LOCKED: concurrent senders pass over rows another claim holds.
const char kPgClaimableMessagesSql[] =
    "SELECT id, next_attempt_at FROM outgoing_messages "
    "WHERE state IN ('pending', 'sending') AND priority = $2 AND next_attempt_at <= $1 "
    "ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED";

// state = 'pending' implies the partial index's state IN ('pending', 'sending'), so only the
// chat's queued rows are touched.
const char kPgDropPendingMessagesSql[] =
    "UPDATE outgoing_messages SET state = 'failed', last_error = $2, updated_at = $3 "
    "WHERE chat_id = $1 AND state = 'pending'";

namespace {

// The rows of kPgClaimableMessagesSql, claimed in one statement; RETURNING has no order, so the
// old next_attempt_at comes along to sort by.
constexpr char kClaimMessagesSql[] =
    "WITH picked AS (SELECT id, next_attempt_at AS due FROM outgoing_messages "
    " WHERE state IN ('pending', 'sending') AND priority = $2 AND next_attempt_at <= $1 "
    " ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED), "
    "claimed AS ("
    " UPDATE outgoing_messages m SET state = 'sending', attempts = m.attempts + 1,"
    " next_attempt_at = $4, updated_at = $1 FROM picked WHERE m.id = picked.id"
    " RETURNING m.id, m.chat_id, m.kind, m.priority, m.subject_id, m.text, m.keyboard,"
    " m.edit_message_id, m.photo_qr, m.state, m.attempts, m.next_attempt_at, m.last_error,"
    " m.created_at, picked.due) "
    "SELECT " VPNHUB_MESSAGE_COLUMNS " FROM claimed ORDER BY due, id";

#undef VPNHUB_MESSAGE_COLUMNS

Result<OutgoingMessage> ReadMessage(const PgResult& r, int row) {
  OutgoingMessage m;
  m.id = r.Int64(row, 0);
  m.chat_id = r.Int64(row, 1);
  std::string kind = r.Text(row, 2);
  auto parsed_kind = ParseMessageKind(kind);
  if (!parsed_kind) {
    return Internal("message " + std::to_string(m.id) + ": unknown kind '" + kind + "'");
  }
  m.kind = *parsed_kind;
  auto priority = MessagePriorityFromInt(r.Int64(row, 3));
  if (!priority) {
    return Internal("message " + std::to_string(m.id) + ": unknown priority " +
                    std::to_string(r.Int64(row, 3)));
  }
  m.priority = *priority;
  m.subject_id = r.Int64(row, 4);
  m.text = r.Text(row, 5);
  VPNHUB_ASSIGN_OR_RETURN(auto keyboard, KeyboardFromJson(r.Text(row, 6), m.id));
  m.keyboard = std::move(keyboard);
  m.edit_message_id = r.Int64(row, 7);
  m.photo_qr = r.Text(row, 8);
  std::string state = r.Text(row, 9);
  auto parsed_state = ParseMessageState(state);
  if (!parsed_state) {
    return Internal("message " + std::to_string(m.id) + ": unknown state '" + state + "'");
  }
  m.state = *parsed_state;
  m.attempts = r.Int(row, 10);
  m.next_attempt_at = FromUnixMs(r.Int64(row, 11));
  m.last_error = r.Text(row, 12);
  m.created_at = FromUnixMs(r.Int64(row, 13));
  return m;
}

// Appends the rows of r to `out`.
Status CollectMessages(const Result<PgResult>& r, std::vector<OutgoingMessage>& out) {
  if (!r.ok()) return r.status();
  for (int row = 0; row < r->rows(); ++row) {
    VPNHUB_ASSIGN_OR_RETURN(OutgoingMessage m, ReadMessage(*r, row));
    out.push_back(std::move(m));
  }
  return Status::Ok();
}

}  // namespace

template <>
Result<Id> PgMessages::EnqueueMessage(const OutgoingMessage& message) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("EnqueueMessage"));
  const auto priority = static_cast<std::int64_t>(message.priority);
  if (!MessagePriorityFromInt(priority)) {
    return InvalidArgument("message priority " + std::to_string(priority) + " is not known");
  }
  VPNHUB_ASSIGN_OR_RETURN(
      auto r,
      conn_.Query(
          "INSERT INTO outgoing_messages (chat_id, kind, priority, subject_id, text, keyboard, "
          "edit_message_id, photo_qr, state, attempts, next_attempt_at, last_error, created_at, "
          "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, '', $10, $10) "
          "RETURNING id",
          PgParams()
              .Int(message.chat_id)
              .Text(MessageKindName(message.kind))
              .Int(priority)
              .Int(message.subject_id)
              .Text(message.text)
              .Text(KeyboardToJson(message.keyboard))
              .Int(message.edit_message_id)
              .Text(message.photo_qr)
              .Int(ToUnixMs(message.next_attempt_at))
              .Int(ToUnixMs(message.created_at))));
  return r.Int64(0, 0);
}

template <>
Status PgMessages::EnqueueMessages(const std::vector<OutgoingMessage>& messages) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("EnqueueMessages"));
  if (messages.empty()) return Status::Ok();
  std::vector<std::int64_t> chat, priority, subject, edit, next, created;
  std::vector<std::string> kind, text, keyboard, photo;
  for (const OutgoingMessage& m : messages) {
    const auto p = static_cast<std::int64_t>(m.priority);
    if (!MessagePriorityFromInt(p)) {
      return InvalidArgument("message priority " + std::to_string(p) + " is not known");
    }
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
  // unnest() of equal-length arrays yields the rows in array order, so ids follow vector order.
  auto r = conn_.Query(
      "INSERT INTO outgoing_messages (chat_id, kind, priority, subject_id, text, keyboard, "
      "edit_message_id, photo_qr, state, attempts, next_attempt_at, last_error, created_at, "
      "updated_at) SELECT c, k, p, s, t, kb, e, ph, 'pending', 0, n, '', cr, cr FROM unnest("
      "$1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], "
      "$7::bigint[], $8::text[], $9::bigint[], $10::bigint[]) "
      "WITH ORDINALITY AS m(c, k, p, s, t, kb, e, ph, n, cr, ord) ORDER BY ord",
      PgParams()
          .IntArray(chat)
          .TextArray(kind)
          .IntArray(priority)
          .IntArray(subject)
          .TextArray(text)
          .TextArray(keyboard)
          .IntArray(edit)
          .TextArray(photo)
          .IntArray(next)
          .IntArray(created));
  return r.ok() ? Status::Ok() : r.status();
}

template <>
Result<OutgoingMessage> PgMessages::GetMessage(Id id) {
  VPNHUB_ASSIGN_OR_RETURN(auto r, conn_.Query(kGetMessageSql, PgParams().Int(id)));
  if (r.rows() == 0) return NotFound("message " + std::to_string(id) + " not found");
  return ReadMessage(r, 0);
}

template <>
Result<std::vector<OutgoingMessage>> PgMessages::ClaimMessages(Time now, Duration lease,
                                                               int limit) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("ClaimMessages"));
  // One index range per priority, in priority order, so their concatenation is the claim order.
  const std::size_t wanted = limit < 0 ? 0 : static_cast<std::size_t>(limit);
  std::vector<OutgoingMessage> messages;
  for (MessagePriority priority : kMessagePriorities) {
    if (messages.size() >= wanted) break;
    VPNHUB_RETURN_IF_ERROR(CollectMessages(
        conn_.Query(kClaimMessagesSql, PgParams()
                                           .Int(ToUnixMs(now))
                                           .Int(static_cast<std::int64_t>(priority))
                                           .Int(static_cast<std::int64_t>(wanted - messages.size()))
                                           .Int(ToUnixMs(now + lease))),
        messages));
  }
  return messages;
}

template <>
Status PgMessages::FinishSendingMessage(Id id, MessageState to_state, Time next_attempt_at,
                                        const std::string& error, int attempts_given_back,
                                        Time now) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      Modify("UPDATE outgoing_messages SET state = $2, next_attempt_at = $3, last_error = $4, "
             "attempts = greatest(attempts - $5, 0), updated_at = $6 WHERE id = $1 AND state = "
             "'sending'",
             PgParams()
                 .Int(id)
                 .Text(MessageStateName(to_state))
                 .Int(ToUnixMs(next_attempt_at))
                 .Text(error)
                 .Int(attempts_given_back)
                 .Int(ToUnixMs(now))));
  if (changed > 0) return Status::Ok();
  return ExplainNoChange("outgoing_messages", "message", id,
                         Conflict("message " + std::to_string(id) + " is not sending"));
}

template <>
Status PgMessages::CompleteMessage(Id id, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("CompleteMessage"));
  return FinishSendingMessage(id, MessageState::kSent, now, "", 0, now);
}

template <>
Status PgMessages::RescheduleMessage(Id id, Time next, const std::string& error, bool count_attempt,
                                     Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("RescheduleMessage"));
  return FinishSendingMessage(id, MessageState::kPending, next, error, count_attempt ? 0 : 1, now);
}

template <>
Status PgMessages::FailMessage(Id id, const std::string& error, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("FailMessage"));
  return FinishSendingMessage(id, MessageState::kFailed, now, error, 0, now);
}

template <>
Result<int> PgMessages::DropPendingMessages(TgId chat_id, const std::string& error, Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("DropPendingMessages"));
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      Modify(kPgDropPendingMessagesSql, PgParams().Int(chat_id).Text(error).Int(ToUnixMs(now))));
  return static_cast<int>(changed);
}

template <>
Result<std::vector<OutgoingMessage>> PgMessages::ListMessages(std::optional<MessageState> state,
                                                              int limit) {
  PgParams params;
  params.Int(limit < 0 ? 0 : limit);
  if (state) params.Text(MessageStateName(*state));
  std::vector<OutgoingMessage> messages;
  VPNHUB_RETURN_IF_ERROR(CollectMessages(
      conn_.Query(state ? kListMessagesInStateSql : kListMessagesSql, params), messages));
  return messages;
}

// alert throttle

// settings

template <>
Result<int> PgMessages::TrimPendingReplies(TgId chat_id, int keep, const std::string& error,
                                           Time now) {
  VPNHUB_RETURN_IF_ERROR(CheckWritable("TrimPendingReplies"));
  if (keep < 0) return InvalidArgument("TrimPendingReplies: keep must not be negative");
  VPNHUB_ASSIGN_OR_RETURN(
      auto changed,
      Modify(
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
              .Int(static_cast<std::int64_t>(MessagePriority::kBulk))));
  return static_cast<int>(changed);
}

template <>
Result<std::int64_t> PgMessages::CountMessages(MessageState state) {
  VPNHUB_ASSIGN_OR_RETURN(
      auto r, conn_.Query(kPgCountMessagesSql, PgParams().Text(MessageStateName(state))));
  return r.Int64(0, 0);
}

template class SqlMessages<PgPort>;

}  // namespace vpnhub::storage
