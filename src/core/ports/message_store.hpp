#pragma once
// The persistent queue of messages to Telegram chats (ports::MessageStore).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/status.hpp"
#include "core/time.hpp"

namespace vpnhub::ports {

// Outgoing messages: enqueue, claim under a lease by priority, finish a claimed message, and the
// caps that keep one chat's queue short. Every move of a claimed message is a compare-and-set on
// its state (see WriteKind::kQueue). Reached through StoreTx::messages(); valid only inside the
// transaction that handed it out, not thread-safe. Errors: kUnavailable when the database cannot
// be reached, kInternal on unexpected database errors (and for a stored message whose kind,
// state, priority or keyboard cannot be read), kFailedPrecondition for a write in a read-only
// transaction; method-specific codes are listed per method.
class MessageStore {
 public:
  virtual ~MessageStore() = default;

  // A new pending message due at its next_attempt_at (state/attempts/last_error ignored).
  virtual Result<Id> EnqueueMessage(const OutgoingMessage& message) = 0;
  // EnqueueMessage for many messages in one statement (ids assigned in vector order).
  virtual Status EnqueueMessages(const std::vector<OutgoingMessage>& messages) = 0;
  virtual Result<OutgoingMessage> GetMessage(Id id) = 0;  // kNotFound when absent
  // Messages in a state (or all), newest first, at most limit.
  virtual Result<std::vector<OutgoingMessage>> ListMessages(std::optional<MessageState> state,
                                                            int limit) = 0;
  // Messages in `state`. O(messages in that state) through the state index: for the open states
  // (pending, sending), which stay small, not for sent.
  virtual Result<std::int64_t> CountMessages(MessageState state) = 0;

  // ---- the sender's claims and outcomes
  // Claims up to `limit` messages that are pending and due, or sending with an expired lease,
  // ordered by priority, then next_attempt_at, then id: each becomes sending, attempts + 1,
  // next_attempt_at = now + lease.
  virtual Result<std::vector<OutgoingMessage>> ClaimMessages(Time now, Duration lease,
                                                             int limit) = 0;
  // sending -> sent. kConflict when not sending.
  virtual Status CompleteMessage(Id id, Time now) = 0;
  // sending -> pending due at `next`; when !count_attempt the claim's attempt is given back
  // (pacing, not failure). kConflict when not sending.
  virtual Status RescheduleMessage(Id id, Time next, const std::string& error, bool count_attempt,
                                   Time now) = 0;
  // sending -> failed. kConflict when not sending.
  virtual Status FailMessage(Id id, const std::string& error, Time now) = 0;

  // ---- what one chat may have queued
  // Every pending message to the chat -> failed with `error` (the person blocked the bot).
  // Messages being sent are left to their sender. Returns how many were dropped.
  virtual Result<int> DropPendingMessages(TgId chat_id, const std::string& error, Time now) = 0;
  // Of the chat's pending kText messages of priority kReply or kBulk, all but the newest `keep`
  // (by id) -> failed with `error`; admin alerts, key messages and every other kind are never
  // touched, nor messages being sent. Returns how many were dropped. kInvalidArgument for
  // keep < 0.
  virtual Result<int> TrimPendingReplies(TgId chat_id, int keep, const std::string& error,
                                         Time now) = 0;
};

}  // namespace vpnhub::ports
