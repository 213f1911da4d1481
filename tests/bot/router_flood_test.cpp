// The router's gates before any handling: the per-person flood guard, the redelivery check (each
// update_id once), and the per-chat cap on queued replies behind BotService::Send.
#include <chrono>

#include "bot/i18n/i18n.hpp"
#include "bot/router_fixture.hpp"

namespace vpnhub::bot {
namespace {

using i18n::Text;
using std::chrono::seconds;

class RouterFloodTest : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    options.flood.per_sec = 1;
    options.flood.burst = 5;
    options.flood.notice_every = seconds(60);
    Rebuild();
  }

  int CountTo(TgId tg, Text text, const std::string& lang = "en") {
    int n = 0;
    const std::string want = text == Text::kHelp
                                 ? i18n::Format(lang, Text::kHelp, {{"name", "TestVPN"}})
                                 : i18n::T(lang, text);
    for (const auto& m : MessagesTo(tg)) n += m.text == want;
    return n;
  }
};

TEST_F(RouterFloodTest, OnePersonFloodingIsCutAfterTheBurstWithOneSlowDownReply) {
  for (int i = 0; i < 200; ++i) Send(kAlice, "/help");
  EXPECT_EQ(CountTo(kAlice, Text::kHelp), 5);
  EXPECT_EQ(CountTo(kAlice, Text::kSlowDown), 1);
  EXPECT_EQ(MessagesTo(kAlice).size(), 6u);
  EXPECT_EQ(CounterValue("vpnhub_bot_updates_dropped_total", {{"reason", "flood"}}), 195);
  // Nobody else is held up.
  Send(kBob, "/help");
  EXPECT_EQ(CountTo(kBob, Text::kHelp), 1);

  // The bucket refills at one update a second; the slow-down reply comes once per minute.
  clock.Advance(seconds(3));
  for (int i = 0; i < 10; ++i) Send(kAlice, "/help");
  EXPECT_EQ(CountTo(kAlice, Text::kHelp), 8);
  EXPECT_EQ(CountTo(kAlice, Text::kSlowDown), 1);
  clock.Advance(seconds(60));
  for (int i = 0; i < 10; ++i) Send(kAlice, "/help");
  EXPECT_EQ(CountTo(kAlice, Text::kHelp), 13);
  EXPECT_EQ(CountTo(kAlice, Text::kSlowDown), 2);
}

TEST_F(RouterFloodTest, ButtonPressesCountTooAndTheSlowDownReplyIsInTheirLanguage) {
  for (int i = 0; i < 5; ++i) Send(kCarol, "/help", "ru");
  const std::size_t answered = answers.size();
  for (int i = 0; i < 2; ++i) {
    telegram::Update press = Press(kCarol, "m:help");
    press.callback_query->from.language_code = "ru";
    router->Handle(press);
  }
  EXPECT_EQ(answers.size(), answered);  // dropped: not even answered
  EXPECT_EQ(CountTo(kCarol, Text::kSlowDown, "ru"), 1);
}

TEST_F(RouterFloodTest, AnUpdateDeliveredThreeTimesIsHandledOnce) {
  const telegram::Update update = TextUpdate(kAlice, "/help");
  router->Handle(update);
  router->Handle(update);
  router->Handle(update);
  EXPECT_EQ(MessagesTo(kAlice).size(), 1u);
  EXPECT_EQ(CounterValue("vpnhub_bot_updates_dropped_total", {{"reason", "duplicate"}}), 2);

  // A second instance on the same database (its own service and router) drops it too.
  usecases::BotService other_service(*store, *keys, *alerts, clock, settings);
  Router other(other_service, nullptr, options, clock, nullptr);
  other.Handle(update);
  EXPECT_EQ(MessagesTo(kAlice).size(), 1u);
  // A button press delivered again is neither handled nor answered again.
  const telegram::Update press = Press(kAlice, "m:help");
  router->Handle(press);
  other.Handle(press);
  EXPECT_EQ(MessagesTo(kAlice).size(), 2u);
  EXPECT_EQ(answers.size(), 1u);
}

TEST_F(RouterFloodTest, RepliesPendingForOneChatAreCappedOldestFirstOthersUntouched) {
  options.flood.per_sec = 0;  // only the cap
  settings.pending_replies_per_chat = 3;
  Rebuild();
  // An admin alert and a key-ready message for Alice wait in the queue as well.
  ASSERT_TRUE(alerts->Raise("test_alert", "disk nearly full").ok());
  OutgoingMessage key_ready;
  key_ready.chat_id = kAlice;
  key_ready.kind = MessageKind::kKeyReady;
  key_ready.subject_id = 1;
  ASSERT_TRUE(service->Send(key_ready).ok());
  for (int i = 0; i < 12; ++i) Send(kAlice, "/help");
  Send(kBob, "/help");

  int pending_help = 0, dropped_help = 0;
  for (const auto& m : MessagesTo(kAlice)) {
    if (m.kind == MessageKind::kKeyReady) {
      EXPECT_EQ(m.state, MessageState::kPending);
      continue;
    }
    if (m.state == MessageState::kPending) ++pending_help;
    if (m.state == MessageState::kFailed) {
      ++dropped_help;
      EXPECT_NE(m.last_error.find("dropped"), std::string::npos) << m.last_error;
    }
  }
  EXPECT_EQ(pending_help, 3);
  EXPECT_EQ(dropped_help, 9);
  // The three kept are the newest.
  const auto to_alice = MessagesTo(kAlice);
  for (std::size_t i = to_alice.size() - 3; i < to_alice.size(); ++i) {
    EXPECT_EQ(to_alice[i].state, MessageState::kPending) << i;
  }
  for (const auto& m : MessagesTo(kAdmin)) EXPECT_EQ(m.state, MessageState::kPending);
  ASSERT_FALSE(MessagesTo(kAdmin).empty());
  EXPECT_EQ(Last(kBob).state, MessageState::kPending);
}

}  // namespace
}  // namespace vpnhub::bot
