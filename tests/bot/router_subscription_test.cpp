// The subscription link in 🔑 My keys and the key-ready message, and its rotate button (issue 18):
// only ever the presser's own link, and nothing at all while SUBSCRIPTION_BASE_URL is unset.
#include "bot/i18n/i18n.hpp"
#include "bot/renderer.hpp"
#include "bot/router_fixture.hpp"
#include "bot/subscription_texts.hpp"
#include "subscription/token.hpp"

namespace vpnhub::bot {
namespace {

using i18n::Text;

constexpr const char* kBase = "https://vpn.example.com";
const std::string kSigningKey(40, 'k');

std::string UrlFor(Id user_id, std::int64_t version) {
  return subscription::SubscriptionUrl(kBase, kSigningKey, user_id, version);
}

class RouterSubscriptionTest : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    AddServer(10);
    options.subscription_url = UrlFor;
    Rebuild();
  }
  void LinksOff() {
    options.subscription_url = nullptr;
    Rebuild();
  }
  Key ActiveKey(TgId tg) {
    Key k = IssueKey(tg);
    SetKeyState(k.id, KeyState::kPending, KeyState::kActive);
    return k;
  }
  User UserOf(TgId tg) {
    auto u = FindUser(tg);
    EXPECT_TRUE(u.has_value()) << tg;
    return u.value_or(User{});
  }
  static std::string Ask(const User& u) { return "r:" + std::to_string(u.id); }
  static std::string Rotate(const User& u) { return "y:" + std::to_string(u.id); }
  // True when any message to anyone carries `url` (in its text or as its QR).
  bool AnyMessageCarries(const std::string& url) {
    for (const auto& m : Messages()) {
      if (m.text.find(url) != std::string::npos || m.photo_qr == url) return true;
    }
    return false;
  }
};

TEST_F(RouterSubscriptionTest, MyKeysShowsTheOwnLinkWithItsQrAndTheRotateButton) {
  ActiveKey(kAlice);
  ActiveKey(kBob);
  Send(kBob, "/start");
  Send(kAlice, "/keys");
  const User alice = UserOf(kAlice);
  const std::string url = UrlFor(alice.id, alice.sub_version);
  ASSERT_FALSE(url.empty());

  auto to_alice = MessagesTo(kAlice);
  ASSERT_GE(to_alice.size(), 2u);
  // The key list as before, then the link as the caption of its QR photo.
  EXPECT_NE(to_alice[to_alice.size() - 2].text.find(i18n::T("en", Text::kMyKeysHeader)),
            std::string::npos);
  const OutgoingMessage& m = to_alice.back();
  EXPECT_EQ(m.kind, MessageKind::kText);
  EXPECT_EQ(m.photo_qr, url);
  EXPECT_EQ(m.text, i18n::Format("en", sub_texts::kCaption, {{"url", url}}));
  EXPECT_TRUE(telegram::FitsCaption(m.text)) << m.text.size();
  EXPECT_EQ(ButtonData(m), std::vector<std::string>{Ask(alice)});
  // Bob's link is nowhere near Alice.
  const User bob = UserOf(kBob);
  for (const auto& msg : to_alice) {
    EXPECT_EQ(msg.text.find(UrlFor(bob.id, bob.sub_version)), std::string::npos);
  }
}

TEST_F(RouterSubscriptionTest, RussianTexts) {
  Send(kAlice, "/start", "ru");
  ActiveKey(kAlice);
  Send(kAlice, "/keys", "ru");
  const User alice = UserOf(kAlice);
  ASSERT_EQ(alice.lang, "ru");
  const OutgoingMessage m = Last(kAlice);
  EXPECT_EQ(m.text, i18n::Format("ru", sub_texts::kCaption,
                                 {{"url", UrlFor(alice.id, alice.sub_version)}}));
  EXPECT_NE(std::string(sub_texts::kCaption.ru), sub_texts::kCaption.en);
}

TEST_F(RouterSubscriptionTest, NoKeysNoLink) {
  Send(kAlice, "/keys");
  ASSERT_EQ(MessagesTo(kAlice).size(), 1u);
  EXPECT_EQ(Last(kAlice).text, i18n::T("en", Text::kNoKeys));
  EXPECT_TRUE(Last(kAlice).photo_qr.empty());
}

TEST_F(RouterSubscriptionTest, RotateAsksFirstThenGivesANewLinkAndTheOldOneNoLongerMatches) {
  ActiveKey(kAlice);
  Send(kAlice, "/keys");
  const User before = UserOf(kAlice);
  const std::string old_url = UrlFor(before.id, before.sub_version);

  EXPECT_EQ(Tap(kAlice, Ask(before)), "");
  const OutgoingMessage confirm = Last(kAlice);
  EXPECT_EQ(confirm.text, i18n::T("en", sub_texts::kConfirm));
  EXPECT_EQ(ButtonData(confirm), (std::vector<std::string>{Rotate(before), "m:keys"}));
  EXPECT_EQ(UserOf(kAlice).sub_version, before.sub_version) << "asking must not rotate";

  EXPECT_EQ(Tap(kAlice, Rotate(before)), "");
  const User after = UserOf(kAlice);
  EXPECT_EQ(after.sub_version, before.sub_version + 1);
  const std::string new_url = UrlFor(after.id, after.sub_version);
  EXPECT_NE(new_url, old_url);
  const OutgoingMessage done = Last(kAlice);
  EXPECT_EQ(done.photo_qr, new_url);
  EXPECT_EQ(done.text, i18n::Format("en", sub_texts::kRotated, {{"url", new_url}}));
  EXPECT_EQ(ButtonData(done), std::vector<std::string>{Ask(after)});

  // The old token no longer verifies for the person's current version (what GET /sub checks).
  const subscription::TokenSigner signer(kSigningKey);
  const std::string old_token = old_url.substr(old_url.rfind('/') + 1);
  const std::string new_token = new_url.substr(new_url.rfind('/') + 1);
  EXPECT_FALSE(signer.Verify(old_token, after.id, after.sub_version));
  EXPECT_TRUE(signer.Verify(new_token, after.id, after.sub_version));

  // My keys shows the new link from now on.
  Send(kAlice, "/keys");
  EXPECT_EQ(Last(kAlice).photo_qr, new_url);
}

// The ownership check of the r:/y: buttons: Alice forging Bob's user id rotates nothing and
// learns nothing (mutating OwnsSubscription to `return true` fails this test).
TEST_F(RouterSubscriptionTest, AForgedButtonCannotRotateAnotherPersonsLink) {
  ActiveKey(kBob);
  ActiveKey(kAlice);
  Send(kBob, "/keys");
  Send(kAlice, "/start");
  const User bob = UserOf(kBob);
  const std::string bobs_url = UrlFor(bob.id, bob.sub_version);
  const auto to_bob_before = MessagesTo(kBob).size();
  const auto to_alice_before = MessagesTo(kAlice).size();

  EXPECT_EQ(Tap(kAlice, Ask(bob)), i18n::T("en", Text::kButtonOutdated));
  EXPECT_EQ(Tap(kAlice, Rotate(bob)), i18n::T("en", Text::kButtonOutdated));
  // A typed-looking or unknown id fares the same.
  EXPECT_EQ(Tap(kAlice, "y:" + std::to_string(bob.id + 1000)),
            i18n::T("en", Text::kButtonOutdated));

  EXPECT_EQ(UserOf(kBob).sub_version, bob.sub_version);
  EXPECT_EQ(MessagesTo(kAlice).size(), to_alice_before);
  EXPECT_EQ(MessagesTo(kBob).size(), to_bob_before);
  for (const auto& m : MessagesTo(kAlice)) {
    EXPECT_EQ(m.text.find(bobs_url), std::string::npos);
    EXPECT_NE(m.photo_qr, bobs_url);
  }
  EXPECT_EQ(UrlFor(UserOf(kBob).id, UserOf(kBob).sub_version), bobs_url);
}

TEST_F(RouterSubscriptionTest, LinksOffNothingChanges) {
  LinksOff();
  ActiveKey(kAlice);
  Send(kAlice, "/keys");
  const User alice = UserOf(kAlice);
  auto to_alice = MessagesTo(kAlice);
  ASSERT_EQ(to_alice.size(), 1u);
  EXPECT_TRUE(to_alice[0].photo_qr.empty());
  EXPECT_EQ(to_alice[0].text.find("/sub/"), std::string::npos);
  for (const auto& data : ButtonData(to_alice[0])) {
    EXPECT_NE(data[0], 'r') << data;
    EXPECT_NE(data[0], 'y') << data;
  }
  // The buttons of a link shown while links were on are out of date now.
  EXPECT_EQ(Tap(kAlice, Ask(alice)), i18n::T("en", Text::kButtonOutdated));
  EXPECT_EQ(Tap(kAlice, Rotate(alice)), i18n::T("en", Text::kButtonOutdated));
  EXPECT_EQ(UserOf(kAlice).sub_version, alice.sub_version);
  EXPECT_EQ(MessagesTo(kAlice).size(), 1u);
  EXPECT_FALSE(AnyMessageCarries(UrlFor(alice.id, alice.sub_version)));
}

TEST_F(RouterSubscriptionTest, KeyReadyMessageGivesTheOwnLinkWhenOn) {
  Key k = ActiveKey(kAlice);
  ActiveKey(kBob);
  Send(kBob, "/start");
  EXPECT_EQ(Tap(kAlice, "k:" + std::to_string(k.id)), "");
  const OutgoingMessage m = Last(kAlice);
  ASSERT_EQ(m.kind, MessageKind::kKeyReady);
  const User alice = UserOf(kAlice);
  const User bob = UserOf(kBob);
  const std::string url = UrlFor(alice.id, alice.sub_version);
  BotServiceKeyLookup lookup(*service, *store);

  RendererOptions on;
  on.subscription_url = UrlFor;
  KeyMessageRenderer with_links(lookup, backends, clock, on);
  auto r = with_links.Render(m);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->text.find(i18n::Format("en", sub_texts::kKeyReadyLine, {{"url", url}})),
            std::string::npos)
      << r->text;
  EXPECT_EQ(r->text.find(UrlFor(bob.id, bob.sub_version)), std::string::npos);
  EXPECT_TRUE(telegram::FitsCaption(r->text));

  KeyMessageRenderer without(lookup, backends, clock, RendererOptions{});
  auto plain = without.Render(m);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->text.find("/sub/"), std::string::npos) << plain->text;
  EXPECT_EQ(r->text.substr(0, plain->text.size()), plain->text);
}

}  // namespace
}  // namespace vpnhub::bot
