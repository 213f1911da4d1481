// A person who blocked the bot gets nothing enqueued: the link of a key that becomes active is
// not queued for them (Telegram would refuse it; the key is still made usable).
#include "usecase_fixture.hpp"

namespace vpnhub {
namespace {

using BlockedPersonTest = UseCaseTest;

std::vector<OutgoingMessage> QueuedMessages(ports::Store& store) {
  std::vector<OutgoingMessage> out;
  EXPECT_TRUE(store
                  .Read([&](ports::StoreTx& tx) -> Status {
                    auto r = tx.messages().ListMessages(std::nullopt, 1000);
                    if (!r.ok()) return r.status();
                    out = *r;
                    return Status::Ok();
                  })
                  .ok());
  return out;
}

TEST_F(BlockedPersonTest, AKeyReadyForSomeoneWhoBlockedTheBotActivatesWithoutQueueingTheLink) {
  AddServer(5);
  for (TgId tg : {1, 2}) {
    auto req = Request(tg);
    req.announce_when_ready = true;
    auto issued = keys->Issue(req);
    ASSERT_TRUE(issued.ok()) << issued.status().ToString();
    if (tg == 2) {
      ASSERT_TRUE(store
                      ->Write([&](ports::StoreTx& tx) {
                        return tx.users().SetBlockedBot(issued->key.user_id, true);
                      })
                      .ok());
    }
    EXPECT_EQ(executor->RunClaimed(Claim(issued->task_id)), usecases::TaskOutcome::kDone);
    EXPECT_EQ(GetKey(issued->key.id).state, KeyState::kActive);
  }
  // Person 1 gets their link; person 2, who blocked the bot, gets nothing queued.
  const auto queued = QueuedMessages(*store);
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].chat_id, 1);
  EXPECT_EQ(queued[0].kind, MessageKind::kKeyReady);
}

}  // namespace
}  // namespace vpnhub
