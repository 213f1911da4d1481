#pragma once
// Store contract: the outgoing message queue (enqueue, claim order and leases, complete,
// reschedule, fail, list, stats). Part of store_contract.hpp; the rest of what the Telegram bot
// needs is in store_contract_bot.hpp.
#include <optional>
#include <string>
#include <vector>

#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

// ---- outgoing messages

TEST_P(StoreContract, EnqueuedMessageRoundTripsAsPending) {
  OutgoingMessage m;
  m.chat_id = -1001234567890;
  m.kind = MessageKind::kKeyReady;
  m.priority = MessagePriority::kReply;
  m.subject_id = 77;
  m.text = "<b>Готово</b> & \"quoted\" 'text'\nline two";
  m.keyboard = {
      {InlineButton{"Продлить", "renew:77", ""}, InlineButton{"Help", "help", ""}},
      {InlineButton{"Guide", "", "https://example.com/guide?a=1&b=\"2\""}},
  };
  m.edit_message_id = 4242;
  m.photo_qr = "ss://Y2hhY2hhMjA@host:8388#VPNHub";
  m.next_attempt_at = At(30);
  m.created_at = At(20);
  // Ignored by EnqueueMessage: a new message is always pending, untried.
  m.state = MessageState::kFailed;
  m.attempts = 5;
  m.last_error = "old";
  Id id = AddMessage(m);
  ASSERT_GT(id, 0);

  OutgoingMessage got = GetMessage(id);
  EXPECT_EQ(got.id, id);
  EXPECT_EQ(got.chat_id, -1001234567890);
  EXPECT_EQ(got.kind, MessageKind::kKeyReady);
  EXPECT_EQ(got.priority, MessagePriority::kReply);
  EXPECT_EQ(got.subject_id, 77);
  EXPECT_EQ(got.text, m.text);
  ASSERT_EQ(got.keyboard.size(), 2u);
  ASSERT_EQ(got.keyboard[0].size(), 2u);
  ASSERT_EQ(got.keyboard[1].size(), 1u);
  EXPECT_EQ(got.keyboard[0][0].text, "Продлить");
  EXPECT_EQ(got.keyboard[0][0].callback_data, "renew:77");
  EXPECT_EQ(got.keyboard[0][0].url, "");
  EXPECT_EQ(got.keyboard[0][1].text, "Help");
  EXPECT_EQ(got.keyboard[0][1].callback_data, "help");
  EXPECT_EQ(got.keyboard[1][0].text, "Guide");
  EXPECT_EQ(got.keyboard[1][0].callback_data, "");
  EXPECT_EQ(got.keyboard[1][0].url, "https://example.com/guide?a=1&b=\"2\"");
  EXPECT_EQ(got.edit_message_id, 4242);
  EXPECT_EQ(got.photo_qr, m.photo_qr);
  EXPECT_EQ(got.state, MessageState::kPending);
  EXPECT_EQ(got.attempts, 0);
  EXPECT_EQ(got.last_error, "");
  EXPECT_EQ(got.next_attempt_at, At(30));
  EXPECT_EQ(got.created_at, At(20));

  // The plainest message: no keyboard, no photo, no edit.
  Id plain_id = AddMessage(MakeMessage(5, MessagePriority::kAlert, At(1)));
  OutgoingMessage plain = GetMessage(plain_id);
  EXPECT_NE(plain_id, id);
  EXPECT_EQ(plain.kind, MessageKind::kText);
  EXPECT_EQ(plain.priority, MessagePriority::kAlert);
  EXPECT_TRUE(plain.keyboard.empty());
  EXPECT_EQ(plain.photo_qr, "");
  EXPECT_EQ(plain.edit_message_id, 0);
  EXPECT_EQ(plain.text, "hello 5");

  // A keyboard with an empty row keeps its shape.
  OutgoingMessage odd = MakeMessage(6, MessagePriority::kBulk, At(1));
  odd.keyboard = {{}, {InlineButton{"x", "y", ""}}};
  EXPECT_EQ(GetMessage(AddMessage(odd)).keyboard.size(), 2u);

  auto missing = InRead([&](ports::StoreTx& tx) { return tx.messages().GetMessage(id + 1000); });
  EXPECT_TRUE(HasCode(missing, StatusCode::kNotFound));
}

TEST_P(StoreContract, EnqueueMessagesAddsEveryMessageInOrderIntact) {
  std::vector<OutgoingMessage> batch;
  for (int i = 0; i < 3; ++i) batch.push_back(MakeMessage(10 + i, MessagePriority::kBulk, At(i)));
  // Text an array literal would trip over: quotes, backslashes, braces, commas, NULL, newlines.
  batch[1].text = "a \"quoted\", {braced} \\ back\\slash NULL\nline";
  batch[1].keyboard = {{InlineButton{"Продлить", "renew:\"1\"", ""}}};
  batch[2].kind = MessageKind::kKeyExpired;
  batch[2].subject_id = 99;
  batch[2].photo_qr = "ss://x";
  ASSERT_TRUE(IsOk(
      store_->Write([&](ports::StoreTx& tx) { return tx.messages().EnqueueMessages(batch); })));
  ASSERT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.messages().EnqueueMessages({}); })));

  auto listed =
      InRead([&](ports::StoreTx& tx) { return tx.messages().ListMessages(std::nullopt, 10); });
  ASSERT_TRUE(IsOk(listed));
  ASSERT_EQ(listed->size(), 3u);
  // Newest first, so ids follow the vector's order.
  for (int i = 0; i < 3; ++i) {
    const OutgoingMessage& got = (*listed)[2 - i];
    EXPECT_EQ(got.chat_id, batch[i].chat_id);
    EXPECT_EQ(got.kind, batch[i].kind);
    EXPECT_EQ(got.priority, batch[i].priority);
    EXPECT_EQ(got.subject_id, batch[i].subject_id);
    EXPECT_EQ(got.text, batch[i].text);
    EXPECT_EQ(got.photo_qr, batch[i].photo_qr);
    EXPECT_EQ(got.state, MessageState::kPending);
    EXPECT_EQ(got.next_attempt_at, batch[i].next_attempt_at);
    EXPECT_EQ(got.created_at, batch[i].created_at);
  }
  ASSERT_EQ((*listed)[1].keyboard.size(), 1u);
  EXPECT_EQ((*listed)[1].keyboard[0][0].callback_data, "renew:\"1\"");
}

TEST_P(StoreContract, EveryMessageKindRoundTrips) {
  for (MessageKind kind : {MessageKind::kText, MessageKind::kKeyReady, MessageKind::kExpiryNotice,
                           MessageKind::kKeyExpired, MessageKind::kAdminAlert,
                           MessageKind::kKeyFailed, MessageKind::kKeyConfig}) {
    OutgoingMessage m = MakeMessage(1, MessagePriority::kBulk, At(0));
    m.kind = kind;
    EXPECT_EQ(GetMessage(AddMessage(m)).kind, kind) << MessageKindName(kind);
  }
}

TEST_P(StoreContract, ClaimMessagesOrdersByPriorityThenTimeThenId) {
  Id bulk_early = AddMessage(MakeMessage(1, MessagePriority::kBulk, At(10)));
  Id reply_tie_a = AddMessage(MakeMessage(2, MessagePriority::kReply, At(20)));
  Id alert = AddMessage(MakeMessage(3, MessagePriority::kAlert, At(30)));
  Id reply_early = AddMessage(MakeMessage(4, MessagePriority::kReply, At(5)));
  Id reply_tie_b = AddMessage(MakeMessage(5, MessagePriority::kReply, At(20)));
  Id bulk_late = AddMessage(MakeMessage(6, MessagePriority::kBulk, At(100)));
  Id alert_future = AddMessage(MakeMessage(7, MessagePriority::kAlert, At(101)));
  Id bulk_future = AddMessage(MakeMessage(8, MessagePriority::kBulk, At(500)));

  auto claimed =
      InWrite([&](ports::StoreTx& tx) { return tx.messages().ClaimMessages(At(100), kLease, 10); });
  ASSERT_TRUE(IsOk(claimed));
  std::vector<Id> ids;
  for (const OutgoingMessage& m : *claimed) {
    ids.push_back(m.id);
    EXPECT_EQ(m.state, MessageState::kSending);
    EXPECT_EQ(m.attempts, 1);
    EXPECT_EQ(m.next_attempt_at, At(100) + kLease);
  }
  EXPECT_EQ(ids,
            (std::vector<Id>{alert, reply_early, reply_tie_a, reply_tie_b, bulk_early, bulk_late}));
  ASSERT_FALSE(claimed->empty());
  EXPECT_EQ((*claimed)[0].chat_id, 3);  // the full message comes back
  EXPECT_EQ((*claimed)[0].text, "hello 3");

  OutgoingMessage stored = GetMessage(reply_early);
  EXPECT_EQ(stored.state, MessageState::kSending);
  EXPECT_EQ(stored.attempts, 1);
  EXPECT_EQ(stored.next_attempt_at, At(100) + kLease);
  EXPECT_EQ(GetMessage(alert_future).state, MessageState::kPending);
  EXPECT_EQ(GetMessage(bulk_future).state, MessageState::kPending);
}

TEST_P(StoreContract, ClaimMessagesHonoursLimitAcrossPriorities) {
  Id bulk = AddMessage(MakeMessage(1, MessagePriority::kBulk, At(0)));
  Id reply = AddMessage(MakeMessage(2, MessagePriority::kReply, At(1)));
  Id alert = AddMessage(MakeMessage(3, MessagePriority::kAlert, At(2)));
  Id reply2 = AddMessage(MakeMessage(4, MessagePriority::kReply, At(3)));

  EXPECT_TRUE(ClaimMessageIds(At(100), 0).empty());
  EXPECT_EQ(ClaimMessageIds(At(100), 2), (std::vector<Id>{alert, reply}));
  EXPECT_EQ(ClaimMessageIds(At(100), 1), (std::vector<Id>{reply2}));
  EXPECT_EQ(ClaimMessageIds(At(100), 10), (std::vector<Id>{bulk}));
  EXPECT_TRUE(ClaimMessageIds(At(100), 10).empty());
}

TEST_P(StoreContract, ClaimedMessageIsNotClaimedAgainUntilItsLeaseEnds) {
  Id id = AddMessage(MakeMessage(1, MessagePriority::kReply, At(0)));
  EXPECT_EQ(ClaimMessageIds(At(10), 10), (std::vector<Id>{id}));  // lease ends at At(70)
  EXPECT_TRUE(ClaimMessageIds(At(10), 10).empty());
  EXPECT_TRUE(ClaimMessageIds(At(69), 10).empty());

  auto after =
      InWrite([&](ports::StoreTx& tx) { return tx.messages().ClaimMessages(At(70), kLease, 10); });
  ASSERT_TRUE(IsOk(after));
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].id, id);
  EXPECT_EQ((*after)[0].state, MessageState::kSending);
  EXPECT_EQ((*after)[0].attempts, 2);
  EXPECT_EQ((*after)[0].next_attempt_at, At(70) + kLease);
}

// An expired lease competes in the claim order with its next_attempt_at (the lease end).
TEST_P(StoreContract, ExpiredLeaseTakesItsPlaceInTheClaimOrder) {
  Id stuck = AddMessage(MakeMessage(1, MessagePriority::kBulk, At(0)));
  EXPECT_EQ(ClaimMessageIds(At(0), 10), (std::vector<Id>{stuck}));  // lease ends at At(60)
  Id reply = AddMessage(MakeMessage(2, MessagePriority::kReply, At(90)));
  Id bulk_before = AddMessage(MakeMessage(3, MessagePriority::kBulk, At(50)));
  Id bulk_after = AddMessage(MakeMessage(4, MessagePriority::kBulk, At(70)));
  EXPECT_EQ(ClaimMessageIds(At(100), 10), (std::vector<Id>{reply, bulk_before, stuck, bulk_after}));
}

TEST_P(StoreContract, CompleteMessageMovesSendingToSent) {
  Id id = AddMessage(MakeMessage(1, MessagePriority::kReply, At(0)));
  EXPECT_TRUE(HasCode(
      store_->Write([&](ports::StoreTx& tx) { return tx.messages().CompleteMessage(id, At(1)); }),
      StatusCode::kConflict));  // still pending
  ASSERT_EQ(ClaimMessageIds(At(1), 10), (std::vector<Id>{id}));
  ASSERT_TRUE(IsOk(
      store_->Write([&](ports::StoreTx& tx) { return tx.messages().CompleteMessage(id, At(2)); })));
  OutgoingMessage m = GetMessage(id);
  EXPECT_EQ(m.state, MessageState::kSent);
  EXPECT_EQ(m.attempts, 1);
  EXPECT_EQ(ClaimMessageIds(At(10'000), 10), std::vector<Id>{});  // never claimed again
  EXPECT_TRUE(HasCode(
      store_->Write([&](ports::StoreTx& tx) { return tx.messages().CompleteMessage(id, At(3)); }),
      StatusCode::kConflict));
  EXPECT_FALSE(store_
                   ->Write([&](ports::StoreTx& tx) {
                     return tx.messages().CompleteMessage(id + 100, At(3));
                   })
                   .ok());
}

TEST_P(StoreContract, RescheduleMessageCountingTheAttempt) {
  Id id = AddMessage(MakeMessage(1, MessagePriority::kReply, At(0)));
  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) {
    return tx.messages().RescheduleMessage(id, At(100), "x", true, At(1));
  }),
                      StatusCode::kConflict));  // pending
  ASSERT_EQ(ClaimMessageIds(At(1), 10), (std::vector<Id>{id}));
  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.messages().RescheduleMessage(id, At(100), "telegram 502", /*count_attempt=*/true,
                                           At(2));
  })));
  OutgoingMessage m = GetMessage(id);
  EXPECT_EQ(m.state, MessageState::kPending);
  EXPECT_EQ(m.next_attempt_at, At(100));
  EXPECT_EQ(m.last_error, "telegram 502");
  EXPECT_EQ(m.attempts, 1);

  EXPECT_TRUE(ClaimMessageIds(At(99), 10).empty());
  auto again =
      InWrite([&](ports::StoreTx& tx) { return tx.messages().ClaimMessages(At(100), kLease, 10); });
  ASSERT_TRUE(IsOk(again));
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempts, 2);
  EXPECT_EQ((*again)[0].last_error, "telegram 502");
}

TEST_P(StoreContract, RescheduleMessageWithoutCountingGivesTheAttemptBack) {
  Id id = AddMessage(MakeMessage(1, MessagePriority::kBulk, At(0)));
  ASSERT_EQ(ClaimMessageIds(At(1), 10), (std::vector<Id>{id}));
  ASSERT_EQ(GetMessage(id).attempts, 1);
  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.messages().RescheduleMessage(id, At(31), "rate limited", /*count_attempt=*/false,
                                           At(1));
  })));
  OutgoingMessage m = GetMessage(id);
  EXPECT_EQ(m.state, MessageState::kPending);
  EXPECT_EQ(m.attempts, 0);
  EXPECT_EQ(m.next_attempt_at, At(31));
  EXPECT_EQ(m.last_error, "rate limited");

  // A failed try, then pacing: only the failure stays counted.
  ASSERT_EQ(ClaimMessageIds(At(31), 10), (std::vector<Id>{id}));
  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.messages().RescheduleMessage(id, At(40), "timeout", true, At(32));
  })));
  ASSERT_EQ(ClaimMessageIds(At(40), 10), (std::vector<Id>{id}));
  EXPECT_EQ(GetMessage(id).attempts, 2);
  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.messages().RescheduleMessage(id, At(50), "rate limited", false, At(41));
  })));
  EXPECT_EQ(GetMessage(id).attempts, 1);

  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) {
    return tx.messages().RescheduleMessage(id, At(60), "again", false, At(42));
  }),
                      StatusCode::kConflict));  // pending now
  EXPECT_EQ(GetMessage(id).attempts, 1);
}

TEST_P(StoreContract, FailMessageDeadLettersASendingMessage) {
  Id id = AddMessage(MakeMessage(1, MessagePriority::kReply, At(0)));
  EXPECT_TRUE(HasCode(
      store_->Write([&](ports::StoreTx& tx) { return tx.messages().FailMessage(id, "x", At(1)); }),
      StatusCode::kConflict));
  ASSERT_EQ(ClaimMessageIds(At(1), 10), (std::vector<Id>{id}));
  ASSERT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.messages().FailMessage(id, "403: bot was blocked", At(2));
  })));
  OutgoingMessage m = GetMessage(id);
  EXPECT_EQ(m.state, MessageState::kFailed);
  EXPECT_EQ(m.last_error, "403: bot was blocked");
  EXPECT_EQ(m.attempts, 1);
  EXPECT_TRUE(ClaimMessageIds(At(10'000), 10).empty());
  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) {
    return tx.messages().FailMessage(id, "again", At(3));
  }),
                      StatusCode::kConflict));
  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) {
    return tx.messages().RescheduleMessage(id, At(4), "again", true, At(3));
  }),
                      StatusCode::kConflict));
}

TEST_P(StoreContract, DropPendingMessagesFailsOnlyThatChatsPendingOnes) {
  Id sending = AddMessage(MakeMessage(7, MessagePriority::kReply, At(0)));
  ASSERT_EQ(ClaimMessageIds(At(1), 1), (std::vector<Id>{sending}));
  Id pending = AddMessage(MakeMessage(7, MessagePriority::kBulk, At(5)));
  Id later = AddMessage(MakeMessage(7, MessagePriority::kBulk, At(50'000)));
  Id other = AddMessage(MakeMessage(8, MessagePriority::kBulk, At(5)));
  auto dropped = InWrite(
      [&](ports::StoreTx& tx) { return tx.messages().DropPendingMessages(7, "blocked", At(2)); });
  ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
  EXPECT_EQ(*dropped, 2);
  EXPECT_EQ(GetMessage(pending).state, MessageState::kFailed);
  EXPECT_EQ(GetMessage(pending).last_error, "blocked");
  EXPECT_EQ(GetMessage(later).state, MessageState::kFailed);
  EXPECT_EQ(GetMessage(sending).state, MessageState::kSending);  // its sender finishes it
  EXPECT_EQ(GetMessage(other).state, MessageState::kPending);
  auto again = InWrite(
      [&](ports::StoreTx& tx) { return tx.messages().DropPendingMessages(7, "blocked", At(3)); });
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  // The one in flight comes back when its lease ends; the dropped ones never do.
  EXPECT_EQ(ClaimMessageIds(At(100'000), 10), (std::vector<Id>{sending, other}));
}

TEST_P(StoreContract, ListMessagesByStateNewestFirst) {
  Id a = AddMessage(MakeMessage(1, MessagePriority::kReply, At(0)));
  Id b = AddMessage(MakeMessage(2, MessagePriority::kReply, At(0)));
  Id c = AddMessage(MakeMessage(3, MessagePriority::kReply, At(0)));
  Id d = AddMessage(MakeMessage(4, MessagePriority::kReply, At(0)));
  ASSERT_EQ(ClaimMessageIds(At(1), 3), (std::vector<Id>{a, b, c}));
  ASSERT_TRUE(IsOk(
      store_->Write([&](ports::StoreTx& tx) { return tx.messages().CompleteMessage(a, At(2)); })));
  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.messages().FailMessage(c, "no", At(2)); })));

  auto ids = [&](std::optional<MessageState> state, int limit) {
    std::vector<Id> out;
    auto messages =
        InRead([&](ports::StoreTx& tx) { return tx.messages().ListMessages(state, limit); });
    EXPECT_TRUE(IsOk(messages));
    if (messages.ok()) {
      for (const OutgoingMessage& m : *messages) out.push_back(m.id);
    }
    return out;
  };
  EXPECT_EQ(ids(MessageState::kSent, 10), (std::vector<Id>{a}));
  EXPECT_EQ(ids(MessageState::kSending, 10), (std::vector<Id>{b}));
  EXPECT_EQ(ids(MessageState::kFailed, 10), (std::vector<Id>{c}));
  EXPECT_EQ(ids(MessageState::kPending, 10), (std::vector<Id>{d}));
  EXPECT_EQ(ids(std::nullopt, 10), (std::vector<Id>{d, c, b, a}));
  EXPECT_EQ(ids(std::nullopt, 2), (std::vector<Id>{d, c}));
  EXPECT_TRUE(ids(std::nullopt, 0).empty());
}

TEST_P(StoreContract, StatsCountOpenMessagesByStateButNotSent) {
  auto count = [](const auto& map, const auto& key) -> std::int64_t {
    auto it = map.find(key);
    return it == map.end() ? 0 : it->second;
  };
  Id sent = AddMessage(MakeMessage(1, MessagePriority::kReply, At(0)));
  Id sending = AddMessage(MakeMessage(2, MessagePriority::kReply, At(0)));
  Id failed = AddMessage(MakeMessage(3, MessagePriority::kReply, At(0)));
  AddMessage(MakeMessage(4, MessagePriority::kReply, At(0)));
  AddMessage(MakeMessage(5, MessagePriority::kBulk, At(500)));
  ASSERT_EQ(ClaimMessageIds(At(1), 3), (std::vector<Id>{sent, sending, failed}));
  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.messages().CompleteMessage(sent, At(2)); })));
  ASSERT_TRUE(IsOk(store_->Write(
      [&](ports::StoreTx& tx) { return tx.messages().FailMessage(failed, "x", At(2)); })));

  auto stats = InRead([&](ports::StoreTx& tx) { return tx.housekeeping().Stats(); });
  ASSERT_TRUE(IsOk(stats));
  EXPECT_EQ(count(stats->messages_by_state, MessageState::kPending), 2);
  EXPECT_EQ(count(stats->messages_by_state, MessageState::kSending), 1);
  EXPECT_EQ(count(stats->messages_by_state, MessageState::kFailed), 1);
  EXPECT_EQ(stats->messages_by_state.count(MessageState::kSent), 0u);
}

}  // namespace vpnhub::storage
