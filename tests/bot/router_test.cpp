// Start, menu, help, language, and what the router does with odd or broken updates.
#include <stdexcept>
#include <thread>

#include "bot/i18n/i18n.hpp"
#include "bot/router_fixture.hpp"

namespace vpnhub::bot {
namespace {

using i18n::Text;

TEST_F(RouterTest, StartRegistersWithTelegramLanguageAndShowsTheMenu) {
  Send(kAlice, "/start", "ru-RU");

  auto alice = FindUser(kAlice);
  ASSERT_TRUE(alice.has_value());
  EXPECT_EQ(alice->lang, "ru");
  EXPECT_EQ(alice->username, "user2001");
  auto sent = MessagesTo(kAlice);
  ASSERT_EQ(sent.size(), 1u);
  const OutgoingMessage& m = sent[0];
  EXPECT_EQ(m.kind, MessageKind::kText);
  EXPECT_EQ(m.priority, MessagePriority::kReply);
  EXPECT_EQ(m.text, i18n::Format("ru", Text::kWelcome, {{"name", "TestVPN"}}));
  EXPECT_EQ(ButtonData(m), (std::vector<std::string>{"m:trial", "m:buy", "m:keys", "m:invite",
                                                     "m:help", "m:lang"}));
  EXPECT_EQ(m.keyboard[0][0].text, "🎁 Пробный доступ");
}

TEST_F(RouterTest, StartWithAnUnsupportedLanguageUsesTheDefault) {
  Send(kAlice, "/start", "de");
  ASSERT_TRUE(FindUser(kAlice).has_value());
  EXPECT_EQ(FindUser(kAlice)->lang, "en");
  EXPECT_EQ(Last(kAlice).text, i18n::Format("en", Text::kWelcome, {{"name", "TestVPN"}}));
}

TEST_F(RouterTest, AdminSeesTheAdminButtonOthersDoNot) {
  Send(kAdmin, "/start");
  Send(kAlice, "/start");
  EXPECT_TRUE(HasButton(Last(kAdmin), "m:admin"));
  EXPECT_FALSE(HasButton(Last(kAlice), "m:admin"));
}

TEST_F(RouterTest, StartPayloadIsKeptAsSourceOrReferrer) {
  Send(kAlice, "/start promo_42");
  Send(kBob, "/start r2001");
  ASSERT_TRUE(FindUser(kAlice).has_value());
  ASSERT_TRUE(FindUser(kBob).has_value());
  EXPECT_EQ(FindUser(kAlice)->source, "promo_42");
  EXPECT_EQ(FindUser(kBob)->referrer_id, FindUser(kAlice)->id);
}

TEST_F(RouterTest, CommandsAddressedToTheBotByNameWork) {
  Send(kAlice, "/HELP@TestVpnBot");
  EXPECT_EQ(Last(kAlice).text, i18n::Format("en", Text::kHelp, {{"name", "TestVPN"}}));
}

TEST_F(RouterTest, HelpAndMenuButtons) {
  Send(kAlice, "/start");
  EXPECT_EQ(Tap(kAlice, "m:help"), "");
  EXPECT_EQ(Last(kAlice).text, i18n::Format("en", Text::kHelp, {{"name", "TestVPN"}}));
  EXPECT_TRUE(HasButton(Last(kAlice), "m:main"));
  EXPECT_EQ(Tap(kAlice, "m:main"), "");
  EXPECT_EQ(Last(kAlice).text, i18n::T("en", Text::kMainMenu));
  EXPECT_TRUE(HasButton(Last(kAlice), "m:trial"));
}

TEST_F(RouterTest, UnknownTextGetsTheHint) {
  Send(kAlice, "hello there");
  EXPECT_EQ(Last(kAlice).text, i18n::T("en", Text::kUnknownCommand));
  Send(kAlice, "/frobnicate");
  EXPECT_EQ(Last(kAlice).text, i18n::T("en", Text::kUnknownCommand));
  Send(kAlice, "");  // a sticker or a photo without caption
  EXPECT_EQ(MessagesTo(kAlice).size(), 3u);
}

TEST_F(RouterTest, LangCommandTogglesAndIsStored) {
  Send(kAlice, "/lang");
  EXPECT_EQ(FindUser(kAlice)->lang, "ru");
  EXPECT_EQ(Last(kAlice).text, i18n::T("ru", Text::kLanguageSwitched));
  EXPECT_EQ(Last(kAlice).keyboard[0][0].text, "🎁 Пробный доступ");
  Send(kAlice, "/help");
  EXPECT_EQ(Last(kAlice).text, i18n::Format("ru", Text::kHelp, {{"name", "TestVPN"}}));
  Send(kAlice, "/lang");
  EXPECT_EQ(FindUser(kAlice)->lang, "en");
}

TEST_F(RouterTest, LanguagePickerButtons) {
  Send(kAlice, "/start");
  EXPECT_EQ(Tap(kAlice, "m:lang"), "");
  OutgoingMessage picker = Last(kAlice);
  EXPECT_EQ(picker.text, i18n::T("en", Text::kChooseLanguage));
  EXPECT_TRUE(HasButton(picker, "l:en"));
  EXPECT_TRUE(HasButton(picker, "l:ru"));
  EXPECT_EQ(Tap(kAlice, "l:ru"), "");
  EXPECT_EQ(FindUser(kAlice)->lang, "ru");
  EXPECT_EQ(Last(kAlice).text, i18n::T("ru", Text::kLanguageSwitched));
  // Languages outside the catalog are not buttons anyone could have been given.
  const std::size_t before = Messages().size();
  EXPECT_EQ(Tap(kAlice, "l:de"), i18n::T("ru", Text::kButtonOutdated));
  EXPECT_EQ(FindUser(kAlice)->lang, "ru");
  EXPECT_EQ(Messages().size(), before);
}

TEST_F(RouterTest, GroupChatsAreIgnored) {
  auto update = TextUpdate(kAlice, "/start");
  update.message->chat.id = -100123;
  update.message->chat.type = "supergroup";
  router->Handle(update);
  EXPECT_FALSE(FindUser(kAlice).has_value());
  EXPECT_TRUE(Messages().empty());

  auto press = Press(kAlice, "m:keys");
  press.callback_query->message->chat.type = "group";
  router->Handle(press);
  ASSERT_EQ(answers.size(), 1u);  // still answered, so the button stops spinning
  EXPECT_TRUE(Messages().empty());
}

TEST_F(RouterTest, MalformedCallbackDataIsOutOfDateAndAnsweredOnce) {
  Send(kAlice, "/start");
  const std::size_t before = Messages().size();
  const std::string outdated = i18n::T("en", Text::kButtonOutdated);
  for (const std::string& data : std::vector<std::string>{"",
                                                          ":",
                                                          "m",
                                                          "m:",
                                                          "t:",
                                                          "t:0",
                                                          "t:-1",
                                                          "t:01",
                                                          "t:+1",
                                                          "t: 1",
                                                          "t:1 ",
                                                          "k:1x",
                                                          "k:1:2",
                                                          "x:1",
                                                          "m:nope",
                                                          "M:trial",
                                                          "m:trial ",
                                                          "f:1",
                                                          "a:1",
                                                          "k:99999999999999999999",
                                                          "m:trial" + std::string(60, 'x')}) {
    EXPECT_EQ(Tap(kAlice, data), outdated) << "data '" << data << "'";
  }
  EXPECT_EQ(Messages().size(), before);
}

TEST_F(RouterTest, UpdatesWithoutAnythingUsableAreSkipped) {
  telegram::Update empty;
  empty.update_id = 7;
  router->Handle(empty);  // e.g. an edited_message or my_chat_member update

  auto channel_post = TextUpdate(kAlice, "/start");
  channel_post.message->from.reset();
  router->Handle(channel_post);

  auto from_bot = TextUpdate(kAlice, "/start");
  from_bot.message->from->is_bot = true;
  router->Handle(from_bot);

  EXPECT_FALSE(FindUser(kAlice).has_value());
  EXPECT_TRUE(Messages().empty());
  EXPECT_EQ(CounterValue("vpnhub_bot_updates_total", {{"type", "other"}}), 1);
  EXPECT_EQ(CounterValue("vpnhub_bot_updates_total", {{"type", "message"}}), 2);
  EXPECT_EQ(CounterValue("vpnhub_bot_update_errors_total"), 0);
}

TEST_F(RouterTest, AGarbageSenderIdIsCountedNotThrown) {
  auto update = TextUpdate(-5, "/start");
  EXPECT_NO_THROW(router->Handle(update));
  auto press = Press(0, "m:keys");
  EXPECT_NO_THROW(router->Handle(press));
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].text, i18n::T("en", Text::kGenericError));
  EXPECT_EQ(CounterValue("vpnhub_bot_update_errors_total"), 2);
  EXPECT_TRUE(Messages().empty());
}

class ThrowingMembership : public MembershipChecker {
 public:
  bool IsMember(std::int64_t) override { throw std::runtime_error("boom"); }
  void Forget(std::int64_t) override {}
};

TEST_F(RouterTest, AThrowingDependencyDoesNotEscapeHandle) {
  ThrowingMembership throwing;
  membership = &throwing;
  options.check_follow = true;
  Rebuild();
  EXPECT_NO_THROW(Send(kAlice, "/start"));
  EXPECT_NO_THROW(Tap(kAlice, "m:keys"));  // answered exactly once even so
  EXPECT_EQ(CounterValue("vpnhub_bot_update_errors_total"), 2);
  // The next update is handled normally once the dependency behaves.
  membership = nullptr;
  options.check_follow = false;
  Rebuild();
  Send(kAlice, "/help");
  EXPECT_EQ(Last(kAlice).text, i18n::Format("en", Text::kHelp, {{"name", "TestVPN"}}));
}

TEST_F(RouterTest, AThrowingAnswerCallbackDoesNotEscapeHandle) {
  options.answer_callback = [](std::string, std::string) { throw std::runtime_error("net"); };
  router = std::make_unique<Router>(*service, nullptr, options, clock, &registry);
  EXPECT_NO_THROW(router->Handle(Press(kAlice, "m:help")));
  EXPECT_EQ(CounterValue("vpnhub_bot_update_errors_total"), 1);
}

TEST_F(RouterTest, TouchClearsBlockedBot) {
  Send(kAlice, "/start");
  ASSERT_TRUE(service->MarkBlocked(kAlice).ok());
  ASSERT_TRUE(FindUser(kAlice)->blocked_bot);
  Send(kAlice, "/help");
  EXPECT_FALSE(FindUser(kAlice)->blocked_bot);
}

TEST_F(RouterTest, CountsUpdatesByType) {
  Send(kAlice, "/start");
  Tap(kAlice, "m:help");
  Tap(kAlice, "m:keys");
  EXPECT_EQ(CounterValue("vpnhub_bot_updates_total", {{"type", "message"}}), 1);
  EXPECT_EQ(CounterValue("vpnhub_bot_updates_total", {{"type", "callback_query"}}), 2);
}

TEST_F(RouterTest, HandlesUpdatesFromManyWorkersAtOnce) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::vector<telegram::Update> updates[kThreads];
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      updates[t].push_back(TextUpdate(5000 + t * kPerThread + i, "/start"));
    }
  }
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      for (const auto& u : updates[t]) router->Handle(u);
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(Messages().size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(CounterValue("vpnhub_bot_updates_total", {{"type", "message"}}), kThreads * kPerThread);
  EXPECT_EQ(CounterValue("vpnhub_bot_update_errors_total"), 0);
  for (TgId tg = 5000; tg < 5000 + kThreads * kPerThread; ++tg) {
    ASSERT_TRUE(FindUser(tg).has_value()) << tg;
  }
}

}  // namespace
}  // namespace vpnhub::bot
