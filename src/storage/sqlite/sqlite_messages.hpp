#pragma once
// SqliteMessages: ports::MessageStore over the connection of one SqliteTx: the outgoing message
// queue.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ports/message_store.hpp"
#include "storage/sqlite/sqlite_port.hpp"

namespace vpnhub::storage {

class SqliteMessages final : public ports::MessageStore, private SqlitePort {
 public:
  using SqlitePort::SqlitePort;

  Result<Id> EnqueueMessage(const OutgoingMessage& message) override;
  Status EnqueueMessages(const std::vector<OutgoingMessage>& messages) override;
  Result<OutgoingMessage> GetMessage(Id id) override;
  Result<std::vector<OutgoingMessage>> ClaimMessages(Time now, Duration lease, int limit) override;
  Status CompleteMessage(Id id, Time now) override;
  Status RescheduleMessage(Id id, Time next, const std::string& error, bool count_attempt,
                           Time now) override;
  Status FailMessage(Id id, const std::string& error, Time now) override;
  Result<int> DropPendingMessages(TgId chat_id, const std::string& error, Time now) override;
  Result<std::vector<OutgoingMessage>> ListMessages(std::optional<MessageState> state,
                                                    int limit) override;
  Result<int> TrimPendingReplies(TgId chat_id, int keep, const std::string& error,
                                 Time now) override;
  Result<std::int64_t> CountMessages(MessageState state) override;

 private:
  // Moves a sending message to `to_state` with next_attempt_at/last_error, taking
  // `attempts_given_back` (0 or 1, never below zero) off its attempts; kConflict when the message
  // is not sending.
  Status FinishSendingMessage(Id id, MessageState to_state, Time next_attempt_at,
                              const std::string& error, int attempts_given_back, Time now);
};

}  // namespace vpnhub::storage
