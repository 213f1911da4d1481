#pragma once
// Store contract: Telegram updates taken once (RecordUpdate, ForgetUpdates) and the per-chat cap
// on queued replies (TrimPendingReplies). Part of store_contract.hpp.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

TEST_P(StoreContract, AnUpdateIsRecordedOnceAndARedeliveryIsRecognised) {
  auto record = [&](std::int64_t update_id, Time now) {
    return InWrite(
        [&](ports::StoreTx& tx) { return tx.coordination().RecordUpdate(update_id, now); });
  };
  ASSERT_TRUE(IsOk(record(1001, At(0))));
  EXPECT_FALSE(*record(1001, At(1)));  // the same update delivered again
  EXPECT_FALSE(*record(1001, At(2)));
  EXPECT_TRUE(*record(1002, At(2)));
  EXPECT_TRUE(*record(999, At(3)));  // an older id not seen before is new
  // A rolled-back record leaves nothing behind.
  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) -> Status {
    auto r = tx.coordination().RecordUpdate(2000, At(3));
    if (!r.ok()) return r.status();
    return Unavailable("rolled back");
  }),
                      StatusCode::kUnavailable));
  EXPECT_TRUE(*record(2000, At(4)));
  EXPECT_TRUE(HasCode(record(0, At(0)), StatusCode::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->Read([&](ports::StoreTx& tx) {
    return tx.coordination().RecordUpdate(3000, At(0)).status();
  }),
                      StatusCode::kFailedPrecondition));
}

TEST_P(StoreContract, ForgetUpdatesDropsTheOldestFirstUpToTheLimit) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(*InWrite(
        [&](ports::StoreTx& tx) { return tx.coordination().RecordUpdate(100 + i, At(i)); }));
  }
  // Seen before 3 s: 100, 101, 102; two at a time, oldest first.
  auto forgot =
      InWrite([&](ports::StoreTx& tx) { return tx.coordination().ForgetUpdates(At(3), 2); });
  ASSERT_TRUE(IsOk(forgot));
  EXPECT_EQ(*forgot, 2);
  auto again = [&](std::int64_t id) {
    return *InWrite([&](ports::StoreTx& tx) { return tx.coordination().RecordUpdate(id, At(10)); });
  };
  EXPECT_TRUE(again(100));   // forgotten: it would count as new
  EXPECT_FALSE(again(102));  // still remembered
  EXPECT_EQ(
      *InWrite([&](ports::StoreTx& tx) { return tx.coordination().ForgetUpdates(At(3), 10); }), 1);
  EXPECT_TRUE(again(102));
  EXPECT_FALSE(again(103));
  EXPECT_EQ(
      *InWrite([&](ports::StoreTx& tx) { return tx.coordination().ForgetUpdates(At(3), 10); }), 0);
}

TEST_P(StoreContract, ConcurrentRecordsOfOneUpdateLetExactlyOneThrough) {
  constexpr int kThreads = 6;
  constexpr int kUpdates = 20;
  std::atomic<int> firsts{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int u = 1; u <= kUpdates; ++u) {
        bool first = false;
        Status st = store_->Write([&](ports::StoreTx& tx) -> Status {
          auto r = tx.coordination().RecordUpdate(5000 + u, At(0));
          if (!r.ok()) return r.status();
          first = *r;
          return Status::Ok();
        });
        if (!st.ok()) {
          ++errors;
        } else if (first) {
          ++firsts;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(firsts.load(), kUpdates);
}

TEST_P(StoreContract, TrimPendingRepliesKeepsTheNewestTextRepliesOfTheChatOnly) {
  constexpr TgId kChat = 4242;
  std::vector<Id> replies;
  for (int i = 0; i < 5; ++i) {
    replies.push_back(AddMessage(MakeMessage(kChat, MessagePriority::kReply, At(i))));
  }
  const Id bulk = AddMessage(MakeMessage(kChat, MessagePriority::kBulk, At(0)));
  OutgoingMessage alert = MakeMessage(kChat, MessagePriority::kAlert, At(0));
  alert.kind = MessageKind::kAdminAlert;
  const Id alert_id = AddMessage(alert);
  OutgoingMessage key_ready = MakeMessage(kChat, MessagePriority::kReply, At(0));
  key_ready.kind = MessageKind::kKeyReady;
  key_ready.subject_id = 7;
  const Id key_ready_id = AddMessage(key_ready);
  OutgoingMessage notice = MakeMessage(kChat, MessagePriority::kBulk, At(0));
  notice.kind = MessageKind::kExpiryNotice;
  const Id notice_id = AddMessage(notice);
  const Id other_chat = AddMessage(MakeMessage(kChat + 1, MessagePriority::kReply, At(0)));
  // Two are being sent (claimed in priority, due time, id order): the alert and replies[0].
  // Those are their sender's, not the cap's.
  EXPECT_EQ(ClaimMessageIds(At(0), 1), std::vector<Id>{alert_id});
  EXPECT_EQ(ClaimMessageIds(At(0), 1), std::vector<Id>{replies[0]});
  const Id sending = replies[0];

  // Pending text replies/bulk of the chat: replies[1..4] and bulk (newest id last). Keep 2.
  auto dropped = InWrite([&](ports::StoreTx& tx) {
    return tx.messages().TrimPendingReplies(kChat, 2, "too many replies queued", At(9));
  });
  ASSERT_TRUE(IsOk(dropped));
  EXPECT_EQ(*dropped, 3);  // replies[1], replies[2], replies[3]; replies[4] and bulk stay
  for (Id id : {replies[1], replies[2], replies[3]}) {
    const OutgoingMessage m = GetMessage(id);
    EXPECT_EQ(m.state, MessageState::kFailed) << id;
    EXPECT_EQ(m.last_error, "too many replies queued") << id;
  }
  EXPECT_EQ(GetMessage(replies[4]).state, MessageState::kPending);
  EXPECT_EQ(GetMessage(bulk).state, MessageState::kPending);
  EXPECT_EQ(GetMessage(sending).state, MessageState::kSending);
  EXPECT_EQ(GetMessage(alert_id).state, MessageState::kSending);
  EXPECT_EQ(GetMessage(key_ready_id).state, MessageState::kPending);
  EXPECT_EQ(GetMessage(notice_id).state, MessageState::kPending);
  EXPECT_EQ(GetMessage(other_chat).state, MessageState::kPending);

  // Nothing more to drop; keep 0 drops the rest of the text replies.
  EXPECT_EQ(*InWrite([&](ports::StoreTx& tx) {
    return tx.messages().TrimPendingReplies(kChat, 2, "x", At(9));
  }),
            0);
  EXPECT_EQ(*InWrite([&](ports::StoreTx& tx) {
    return tx.messages().TrimPendingReplies(kChat, 0, "x", At(9));
  }),
            2);
  EXPECT_EQ(GetMessage(key_ready_id).state, MessageState::kPending);
  EXPECT_TRUE(HasCode(InWrite([&](ports::StoreTx& tx) {
                        return tx.messages().TrimPendingReplies(kChat, -1, "x", At(9));
                      }),
                      StatusCode::kInvalidArgument));
}

}  // namespace vpnhub::storage
