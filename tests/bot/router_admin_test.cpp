// /admin and admin buttons: authorised in the router, nothing privileged for anyone else.
#include "bot/callback_data.hpp"
#include "bot/commands.hpp"
#include "bot/i18n/i18n.hpp"
#include "bot/router_fixture.hpp"

namespace vpnhub::bot {
namespace {

using i18n::Text;

class RouterAdminTest : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    AddServer(10, "nl", "amsterdam-secret-host");
    Key k = IssueKey(kBob);
    SetKeyState(k.id, KeyState::kPending, KeyState::kActive);
    IssueKey(kAdmin);
  }

  // No message to `tg` carries anything from the summary.
  void ExpectNothingPrivilegedFor(TgId tg) {
    for (const auto& m : MessagesTo(tg)) {
      for (const std::string& marker :
           {i18n::T("en", Text::kAdminTitle), std::string("Users:"), std::string("Keys:"),
            std::string("Tasks:"), std::string("amsterdam-secret-host"), std::string("/10")}) {
        EXPECT_EQ(m.text.find(marker), std::string::npos) << "'" << marker << "' in " << m.text;
      }
      EXPECT_NE(m.kind, MessageKind::kAdminAlert);
      EXPECT_FALSE(HasButton(m, "a:refresh"));
      EXPECT_FALSE(HasButton(m, "m:admin"));
    }
  }
};

TEST_F(RouterAdminTest, AdminGetsTheSummary) {
  Send(kAdmin, "/admin");
  OutgoingMessage m = Last(kAdmin);
  EXPECT_EQ(m.chat_id, kAdmin);
  EXPECT_NE(m.text.find(i18n::T("en", Text::kAdminTitle)), std::string::npos) << m.text;
  EXPECT_NE(m.text.find(i18n::Format("en", Text::kAdminUsers, {{"total", "2"}, {"today", "2"}})),
            std::string::npos)
      << m.text;
  EXPECT_NE(m.text.find(i18n::Format(
                "en", Text::kAdminKeys,
                {{"active", "1"}, {"pending", "1"}, {"revoking", "0"}, {"failed", "0"}})),
            std::string::npos)
      << m.text;
  EXPECT_NE(m.text.find(i18n::Format("en", Text::kAdminServerLine,
                                     {{"name", "amsterdam-secret-host"},
                                      {"location", "nl"},
                                      {"health", i18n::T("en", Text::kAdminHealthy)},
                                      {"used", "2"},
                                      {"capacity", "10"}})),
            std::string::npos)
      << m.text;
  // Both keys' provisioning tasks are still queued.
  EXPECT_NE(m.text.find(i18n::Format("en", Text::kAdminTasks, {{"pending", "2"}, {"failed", "0"}})),
            std::string::npos)
      << m.text;
  EXPECT_TRUE(HasButton(m, "a:refresh"));

  EXPECT_EQ(Tap(kAdmin, "a:refresh"), "");
  EXPECT_EQ(MessagesTo(kAdmin).size(), 2u);
  EXPECT_EQ(Last(kAdmin).text, m.text);
  EXPECT_EQ(Tap(kAdmin, "m:admin"), "");
  EXPECT_EQ(MessagesTo(kAdmin).size(), 3u);
}

TEST_F(RouterAdminTest, NonAdminAdminCommandGetsTheUnknownCommandAnswer) {
  Send(kAlice, "/admin");
  Send(kAlice, "/nosuchcommand");
  auto sent = MessagesTo(kAlice);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].text, i18n::T("en", Text::kUnknownCommand));
  EXPECT_EQ(sent[0].text, sent[1].text);
  EXPECT_TRUE(sent[0].keyboard.empty());
  EXPECT_TRUE(sent[1].keyboard.empty());
  ExpectNothingPrivilegedFor(kAlice);
}

TEST_F(RouterAdminTest, ForgedAdminButtonsGetWhatAnyStaleButtonGets) {
  Send(kAlice, "/start");
  const std::size_t before = Messages().size();
  const std::string garbage = Tap(kAlice, "z:9");
  EXPECT_EQ(Tap(kAlice, "a:refresh"), garbage);
  EXPECT_EQ(Tap(kAlice, "m:admin"), garbage);
  EXPECT_EQ(garbage, i18n::T("en", Text::kButtonOutdated));
  EXPECT_EQ(Messages().size(), before);
  ExpectNothingPrivilegedFor(kAlice);
}

// Whatever the table marks admin-only, typed, pressed or followed up, reads to a non-admin like
// an unknown command or a stale button, and to an admin it is handled.
TEST_F(RouterAdminTest, EveryAdminOnlyCommandOfTheTableIsRefusedToOthers) {
  Send(kAlice, "/start");
  Send(kAdmin, "/start");
  int admin_only = 0;
  for (const Command& command : Commands()) {
    if (!command.admin_only) continue;
    ++admin_only;
    for (std::string_view name : {command.name, command.alias}) {
      if (name.empty()) continue;
      const std::size_t before = MessagesTo(kAlice).size();
      Send(kAlice, "/" + std::string(name));
      ASSERT_EQ(MessagesTo(kAlice).size(), before + 1) << name;
      EXPECT_EQ(Last(kAlice).text, i18n::T("en", Text::kUnknownCommand)) << name;
      EXPECT_TRUE(Last(kAlice).keyboard.empty()) << name;
    }
    std::vector<std::string> presses;
    if (!command.button.empty()) presses.push_back("m:" + std::string(command.button));
    if (command.choice) {
      CallbackData forged{*command.choice, 1,
                          *command.choice == CallbackAction::kSetLanguage ? "en" : ""};
      presses.push_back(FormatCallbackData(forged));
    }
    for (const std::string& data : presses) {
      ASSERT_TRUE(ParseCallbackData(data).has_value()) << data;
      const std::size_t before = MessagesTo(kAlice).size();
      EXPECT_EQ(Tap(kAlice, data), i18n::T("en", Text::kButtonOutdated)) << data;
      EXPECT_EQ(MessagesTo(kAlice).size(), before) << data;
      // The same press from an admin does something: the refusal above was the admin check.
      const std::size_t admin_before = MessagesTo(kAdmin).size();
      EXPECT_EQ(Tap(kAdmin, data), "") << data;
      EXPECT_EQ(MessagesTo(kAdmin).size(), admin_before + 1) << data;
    }
  }
  EXPECT_GE(admin_only, 1);
  ExpectNothingPrivilegedFor(kAlice);
}

TEST_F(RouterAdminTest, AdminIsDecidedByTheSenderNotTheChat) {
  // A callback whose message claims to be in the admin's chat, pressed by someone else.
  auto press = Press(kAlice, "a:refresh");
  press.callback_query->message->chat.id = kAdmin;
  router->Handle(press);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].text, i18n::T("en", Text::kButtonOutdated));
  EXPECT_TRUE(MessagesTo(kAdmin).empty());
  ExpectNothingPrivilegedFor(kAlice);
}

}  // namespace
}  // namespace vpnhub::bot
