// /keys and showing a key's link again; nothing of another person's key may leak.
#include "bot/i18n/i18n.hpp"
#include "bot/renderer.hpp"
#include "bot/router_fixture.hpp"

namespace vpnhub::bot {
namespace {

using i18n::Text;

class RouterKeysTest : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    AddServer(10);
  }
  static std::string KeyButton(const Key& k) { return "k:" + std::to_string(k.id); }
};

TEST_F(RouterKeysTest, NoKeysYet) {
  Send(kAlice, "/keys");
  EXPECT_EQ(Last(kAlice).text, i18n::T("en", Text::kNoKeys));
}

TEST_F(RouterKeysTest, ListsOwnKeysWithLinkButtonsOnlyForActiveOnes) {
  Key active = IssueKey(kAlice, std::chrono::hours(50));
  SetKeyState(active.id, KeyState::kPending, KeyState::kActive);
  Key pending = IssueKey(kAlice, std::chrono::hours(5));
  Key revoked = IssueKey(kAlice);
  SetKeyState(revoked.id, KeyState::kPending, KeyState::kActive);
  SetKeyState(revoked.id, KeyState::kActive, KeyState::kRevoking);
  SetKeyState(revoked.id, KeyState::kRevoking, KeyState::kRevoked);
  Key bobs = IssueKey(kBob);
  SetKeyState(bobs.id, KeyState::kPending, KeyState::kActive);

  Send(kAlice, "/keys");
  OutgoingMessage m = Last(kAlice);
  EXPECT_NE(m.text.find(i18n::T("en", Text::kMyKeysHeader)), std::string::npos);
  EXPECT_NE(m.text.find(i18n::Format("en", Text::kKeyLine,
                                     {{"id", std::to_string(active.id)},
                                      {"location", "nl"},
                                      {"state", i18n::T("en", Text::kKeyStateActive)},
                                      {"left", i18n::FormatDuration("en", 50 * 3600)}})),
            std::string::npos)
      << m.text;
  EXPECT_NE(m.text.find(i18n::Format("en", Text::kKeyLine,
                                     {{"id", std::to_string(pending.id)},
                                      {"location", "nl"},
                                      {"state", i18n::T("en", Text::kKeyStatePending)},
                                      {"left", i18n::FormatDuration("en", 5 * 3600)}})),
            std::string::npos)
      << m.text;
  EXPECT_NE(m.text.find(i18n::Format("en", Text::kKeyLineNoTime,
                                     {{"id", std::to_string(revoked.id)},
                                      {"location", "nl"},
                                      {"state", i18n::T("en", Text::kKeyStateRevoked)}})),
            std::string::npos)
      << m.text;
  EXPECT_EQ(m.text.find("#" + std::to_string(bobs.id) + "<"), std::string::npos) << m.text;
  EXPECT_EQ(ButtonData(m), (std::vector<std::string>{KeyButton(active), "m:main"}));
}

TEST_F(RouterKeysTest, ExpiredButNotYetSweptKeyHasNoButton) {
  Key k = IssueKey(kAlice, std::chrono::hours(1));
  SetKeyState(k.id, KeyState::kPending, KeyState::kActive);
  clock.Advance(std::chrono::hours(2));
  Send(kAlice, "/keys");
  EXPECT_FALSE(HasButton(Last(kAlice), KeyButton(k)));
  EXPECT_EQ(Tap(kAlice, KeyButton(k)), i18n::T("en", Text::kButtonOutdated));
}

TEST_F(RouterKeysTest, KeyButtonEnqueuesItsKeyReadyMessage) {
  Key k = IssueKey(kAlice);
  SetKeyState(k.id, KeyState::kPending, KeyState::kActive);
  EXPECT_EQ(Tap(kAlice, KeyButton(k)), "");
  OutgoingMessage m = Last(kAlice);
  EXPECT_EQ(m.kind, MessageKind::kKeyReady);
  EXPECT_EQ(m.subject_id, k.id);
  EXPECT_EQ(m.priority, MessagePriority::kReply);
  EXPECT_EQ(m.chat_id, kAlice);
}

TEST_F(RouterKeysTest, AKeyOfAFileKindShowsItsQrThenItsFile) {
  backend.DeliverConfigFile("vpn.conf");
  Key k = IssueKey(kAlice);
  SetKeyState(k.id, KeyState::kPending, KeyState::kActive);
  EXPECT_EQ(Tap(kAlice, KeyButton(k)), "");
  const OutgoingMessage m = Last(kAlice);
  ASSERT_EQ(m.kind, MessageKind::kKeyReady);
  // What the sender makes of it, rendered over the real store: the QR photo with the file's
  // how-to, and the file queued to follow it.
  BotServiceKeyLookup lookup(*service, *store);
  KeyMessageRenderer renderer(lookup, backends, clock);
  auto photo = renderer.Render(m);
  ASSERT_TRUE(photo.ok()) << photo.status().ToString();
  EXPECT_TRUE(photo->png.has_value());
  EXPECT_NE(photo->text.find("vpn.conf"), std::string::npos) << photo->text;
  ASSERT_TRUE(photo->follow_up.has_value());
  auto file = renderer.Render(*photo->follow_up);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE(file->document.has_value());
  EXPECT_EQ(file->document->file_name, "vpn.conf");
  EXPECT_NE(file->document->content.find("PrivateKey = " + k.secret), std::string::npos);
  // Another person's chat gets nothing of it.
  OutgoingMessage stolen = *photo->follow_up;
  stolen.chat_id = kBob;
  EXPECT_EQ(renderer.Render(stolen).status().code(), StatusCode::kNotFound);
}

TEST_F(RouterKeysTest, AnotherPersonsKeyIdRevealsNothing) {
  Key bobs = IssueKey(kBob);
  SetKeyState(bobs.id, KeyState::kPending, KeyState::kActive);
  Send(kAlice, "/start");
  const auto before = Messages();

  const std::string on_bobs = Tap(kAlice, KeyButton(bobs));
  const std::string on_missing = Tap(kAlice, "k:" + std::to_string(bobs.id + 1000));

  EXPECT_EQ(on_bobs, i18n::T("en", Text::kButtonOutdated));
  EXPECT_EQ(on_bobs, on_missing);
  auto after = Messages();
  EXPECT_EQ(after.size(), before.size());
  for (const auto& m : after) {
    EXPECT_FALSE(m.kind == MessageKind::kKeyReady && m.subject_id == bobs.id);
    EXPECT_EQ(m.text.find(bobs.remote_name), std::string::npos);
    EXPECT_EQ(m.text.find(bobs.secret), std::string::npos);
  }
  EXPECT_EQ(on_bobs.find(bobs.remote_name), std::string::npos);
}

TEST_F(RouterKeysTest, KeysButtonFromTheMenu) {
  Key k = IssueKey(kAlice);
  SetKeyState(k.id, KeyState::kPending, KeyState::kActive);
  EXPECT_EQ(Tap(kAlice, "m:keys"), "");
  EXPECT_TRUE(HasButton(Last(kAlice), KeyButton(k)));
}

}  // namespace
}  // namespace vpnhub::bot
