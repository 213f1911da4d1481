// KeyMessageRenderer with a scripted KeyLookup, and BotServiceKeyLookup over a real store.
#include "bot/renderer.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "core/usecase_fixture.hpp"
#include "core/usecases/billing_texts.hpp"
#include "core/usecases/bot_service.hpp"
#include "core/usecases/notices.hpp"
#include "fakes/fake_backend.hpp"
#include "fakes/fake_clock.hpp"
#include "formats/qr.hpp"
#include "formats/share_name.hpp"
#include "telegram/sender.hpp"

namespace vpnhub::bot {
namespace {

using std::chrono::hours;

const std::string kPngSignature("\x89PNG\r\n\x1a\n", 8);

// Keys by id with their owner's chat; languages by chat.
class ScriptedLookup : public KeyLookup {
 public:
  Result<usecases::KeyView> OwnedKey(TgId chat_id, Id key_id) override {
    auto it = keys.find(key_id);
    if (it == keys.end() || it->second.first != chat_id) return NotFound("no such key");
    return it->second.second;
  }
  Result<std::optional<std::string>> LanguageOf(TgId chat_id) override {
    auto it = langs.find(chat_id);
    if (it == langs.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  std::map<Id, std::pair<TgId, usecases::KeyView>> keys;
  std::map<TgId, std::string> langs;
};

class RendererTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backends.Add(&backend);
    usecases::KeyView v;
    v.key.id = 5;
    v.key.remote_name = "k5";
    v.key.state = KeyState::kActive;
    v.key.expires_at = clock.Now() + hours(72);
    v.server.kind = "shadowsocks";
    v.server.public_host = "nl.example.com";
    v.location.name = "Amsterdam <NL>";
    lookup.keys[5] = {42, v};
    lookup.langs[42] = "en";
    lookup.langs[77] = "ru";
  }

  OutgoingMessage Message(MessageKind kind, TgId chat = 42, Id subject = 5) {
    OutgoingMessage m;
    m.kind = kind;
    m.chat_id = chat;
    m.subject_id = subject;
    return m;
  }

  fakes::FakeClock clock;
  fakes::FakeBackend backend;
  usecases::Backends backends;
  ScriptedLookup lookup;
  KeyMessageRenderer renderer{lookup, backends, clock, RendererOptions{"en", 256, "TestVPN", {}}};
};

TEST_F(RendererTest, TextIsSentAsStoredWithItsKeyboardAndEditId) {
  OutgoingMessage m = Message(MessageKind::kText, 42, 0);
  m.text = "<b>menu</b>";
  m.keyboard = {{InlineButton{"Keys", "keys", ""}}};
  m.edit_message_id = 17;
  auto r = renderer.Render(m);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "<b>menu</b>");
  ASSERT_EQ(r->keyboard.size(), 1u);
  EXPECT_EQ(r->keyboard[0][0].callback_data, "keys");
  EXPECT_EQ(r->edit_message_id, 17);
  EXPECT_FALSE(r->png.has_value());
}

TEST_F(RendererTest, TextWithPhotoQrGetsAPng) {
  OutgoingMessage m = Message(MessageKind::kText, 42, 0);
  m.text = "scan";
  m.photo_qr = "ss://abc@host:1";
  auto r = renderer.Render(m);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->png.has_value());
  EXPECT_EQ(r->png->substr(0, 8), kPngSignature);
}

TEST_F(RendererTest, AdminAlertHasThePrefixInTheAdminsLanguageAndTheSuppressedCount) {
  OutgoingMessage m = Message(MessageKind::kAdminAlert, 99, 0);  // 99: no user row -> default
  m.text = "task failed: revoke_key 12";
  auto r = renderer.Render(m);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "⚠️ <b>Alert</b>\ntask failed: revoke_key 12");

  m.chat_id = 77;  // a Russian-speaking admin
  m.subject_id = 3;
  r = renderer.Render(m);
  ASSERT_TRUE(r.ok());
  const std::string expected = std::string("⚠️ <b>Внимание</b>\n") +
                               "task failed: revoke_key 12\n" + "(скрыто похожих оповещений: 3)";
  EXPECT_EQ(r->text, expected);
}

TEST_F(RendererTest, KeyReadyCarriesTheEscapedLinkAndItsQrCode) {
  auto r = renderer.Render(Message(MessageKind::kKeyReady));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Named "NAME | location" (the fake backend appends the name raw after '#'), never after the
  // key's remote name, which carries the owner's Telegram id.
  EXPECT_NE(r->text.find("<code>fake://k5@nl.example.com#TestVPN | Amsterdam &lt;NL&gt;</code>"),
            std::string::npos)
      << r->text;
  EXPECT_NE(r->text.find("Amsterdam &lt;NL&gt;"), std::string::npos) << r->text;
  EXPECT_NE(r->text.find("UTC"), std::string::npos);
  ASSERT_TRUE(r->png.has_value());
  EXPECT_EQ(r->png->substr(0, 8), kPngSignature);
  EXPECT_LE(r->text.size(), 1024u);  // fits a photo caption

  // The second render of the same link comes from the cache.
  EXPECT_EQ(renderer.qr_cache().hits(), 0u);
  auto again = renderer.Render(Message(MessageKind::kKeyReady));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again->png, *r->png);
  EXPECT_EQ(renderer.qr_cache().hits(), 1u);
}

// The receipt of the order that made the key, as the worker stores it (ReceiptOfKey).
std::string ReceiptFor(const std::string& lang, const std::string& location, Time expires) {
  Order o;
  o.kind = OrderKind::kNewKey;
  o.months = 12;
  o.amount = 800;
  o.currency = kStarsCurrency;
  o.bonus_days = 30;
  return usecases::billing_texts::Receipt(lang, o, location, expires);
}

std::size_t Chars(const std::string& text) { return Utf8Length(text).value_or(99999); }

TEST_F(RendererTest, KeyReadyOfABoughtKeyOpensWithItsReceiptInOneCaption) {
  for (const char* lang : {"en", "ru"}) {
    lookup.langs[42] = lang;
    OutgoingMessage m = Message(MessageKind::kKeyReady);
    m.text = ReceiptFor(lang, "Amsterdam &lt;NL&gt;", lookup.keys[5].second.key.expires_at);
    auto r = renderer.Render(m);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->text.rfind(m.text + "\n\n", 0), 0u) << r->text;  // the receipt first
    EXPECT_NE(r->text.find("<code>fake://k5@"), std::string::npos) << r->text;
    EXPECT_NE(r->text.find(lang == std::string("en") ? "How to connect" : "Как подключиться"),
              std::string::npos)
        << r->text;  // room for the whole how-to
    EXPECT_TRUE(r->png.has_value());
    EXPECT_TRUE(telegram::FitsCaption(r->text)) << Chars(r->text);
  }
}

TEST_F(RendererTest, TheLongestReceiptAndLinkStillFitACaption) {
  // The longest location name (64 characters, Cyrillic), a long host: the link of a real key,
  // whose name is percent-encoded, is about this long.
  auto& view = lookup.keys[5].second;
  std::string location;
  for (int i = 0; i < 64; ++i) location += "Ж";
  view.location.name = location;
  view.server.public_host = std::string(300, 'h') + ".example.com";
  for (const char* lang : {"en", "ru"}) {
    lookup.langs[42] = lang;
    OutgoingMessage m = Message(MessageKind::kKeyReady);
    m.text = ReceiptFor(lang, location, view.key.expires_at);
    auto r = renderer.Render(m);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->text.rfind(m.text + "\n\n", 0), 0u) << r->text;
    EXPECT_NE(r->text.find(view.server.public_host), std::string::npos);
    EXPECT_TRUE(telegram::FitsCaption(r->text)) << lang << ": " << Chars(r->text);
    EXPECT_LE(Chars(r->text), 1024u);
    // Without the receipt the long how-to is kept.
    auto plain = renderer.Render(Message(MessageKind::kKeyReady));
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(plain->text.rfind("✅", 0), 0u) << plain->text;
  }
  // Past any caption, the sender's check says so (and sends the text after the photo).
  EXPECT_FALSE(telegram::FitsCaption(std::string(1025, 'x')));
  EXPECT_TRUE(telegram::FitsCaption(location + std::string(960, 'x')));
}

TEST_F(RendererTest, KeyFailedOfABoughtKeyRepeatsTheReceiptAndPointsToSupport) {
  lookup.keys[5].second.key.state = KeyState::kFailed;
  OutgoingMessage m = Message(MessageKind::kKeyFailed);
  m.text = ReceiptFor("en", "Amsterdam &lt;NL&gt;", clock.Now());
  auto r = renderer.Render(m);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, m.text +
                         "\n\n❌ We could not set up your key in Amsterdam &lt;NL&gt;, sorry. Your "
                         "payment is recorded and the admins have been told: write to support, "
                         "and they will set up your key or refund your payment.");
  lookup.langs[42] = "ru";
  m.text = ReceiptFor("ru", "Amsterdam &lt;NL&gt;", clock.Now());
  r = renderer.Render(m);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text.rfind(m.text, 0), 0u) << r->text;
  EXPECT_NE(r->text.find("вернут деньги"), std::string::npos) << r->text;
  // A trial key's failure says the trial is back, whatever is stored.
  lookup.keys[5].second.key.is_trial = true;
  r = renderer.Render(m);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->text.find("Пробный период снова доступен"), std::string::npos) << r->text;
}

TEST_F(RendererTest, ALinkKeyHasNoFileToFollow) {
  auto r = renderer.Render(Message(MessageKind::kKeyReady));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->follow_up.has_value());
  EXPECT_FALSE(r->document.has_value());
  // Nor does a key-config message of such a key send anything.
  EXPECT_EQ(renderer.Render(Message(MessageKind::kKeyConfig)).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(RendererTest, AKeyDeliveredAsAFileGetsItsHowToAQrOfTheFileAndTheFileToFollow) {
  backend.DeliverConfigFile("vpn-5.conf");
  const auto& view = lookup.keys[5].second;
  const std::string conf = fakes::FakeBackend::FakeConfig(
      view.server, view.key, formats::ShareLinkName("TestVPN", view.location.name));
  OutgoingMessage m = Message(MessageKind::kKeyReady);
  m.priority = MessagePriority::kBulk;
  auto r = renderer.Render(m);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text.rfind("✅ <b>Your key in Amsterdam &lt;NL&gt; is ready</b>", 0), 0u) << r->text;
  EXPECT_NE(r->text.find("Import the file vpn-5.conf that follows this message into the app, or "
                         "scan the QR code."),
            std::string::npos)
      << r->text;
  EXPECT_NE(r->text.find("WireGuard"), std::string::npos);
  EXPECT_EQ(r->text.find("<code>"), std::string::npos) << "no link to show: " << r->text;
  // The photo is the QR code of the file itself.
  ASSERT_TRUE(r->png.has_value());
  auto qr = formats::QrPng(conf);
  ASSERT_TRUE(qr.ok());
  EXPECT_EQ(*r->png, *qr);
  // The file follows, once the sender sent this: a key-config message of the same key and chat.
  EXPECT_FALSE(r->document.has_value());
  ASSERT_TRUE(r->follow_up.has_value());
  EXPECT_EQ(r->follow_up->kind, MessageKind::kKeyConfig);
  EXPECT_EQ(r->follow_up->chat_id, 42);
  EXPECT_EQ(r->follow_up->subject_id, 5);
  EXPECT_EQ(r->follow_up->priority, MessagePriority::kBulk);
  EXPECT_TRUE(r->follow_up->text.empty());

  auto file = renderer.Render(*r->follow_up);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE(file->document.has_value());
  EXPECT_EQ(file->document->file_name, "vpn-5.conf");
  EXPECT_EQ(file->document->content, conf);
  EXPECT_EQ(file->text,
            "📄 The configuration of your key in Amsterdam &lt;NL&gt;: open it in the WireGuard "
            "app.");
  EXPECT_FALSE(file->png.has_value());
  EXPECT_FALSE(file->follow_up.has_value());

  // In Russian.
  lookup.langs[42] = "ru";
  r = renderer.Render(m);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->text.find("Импортируйте в приложение файл vpn-5.conf"), std::string::npos)
      << r->text;
  file = renderer.Render(*r->follow_up);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->text.rfind("📄 Конфигурация вашего ключа в локации Amsterdam &lt;NL&gt;", 0), 0u)
      << file->text;
}

TEST_F(RendererTest, AFileKeyOfABoughtKeyOpensWithItsReceiptInOneCaption) {
  backend.DeliverConfigFile("vpn-5.conf");
  auto& view = lookup.keys[5].second;
  std::string location;
  for (int i = 0; i < 64; ++i) location += "Ж";
  view.location.name = location;
  for (const char* lang : {"en", "ru"}) {
    lookup.langs[42] = lang;
    OutgoingMessage m = Message(MessageKind::kKeyReady);
    m.text = ReceiptFor(lang, location, view.key.expires_at);
    auto r = renderer.Render(m);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->text.rfind(m.text + "\n\n", 0), 0u) << r->text;  // the receipt first
    EXPECT_NE(r->text.find("vpn-5.conf"), std::string::npos) << r->text;
    EXPECT_TRUE(telegram::FitsCaption(r->text)) << lang << ": " << Chars(r->text);
    EXPECT_TRUE(r->follow_up.has_value());
  }
}

TEST_F(RendererTest, TheFileOfAKeyNoLongerUsableIsNotSent) {
  backend.DeliverConfigFile("vpn-5.conf");
  for (KeyState state : {KeyState::kRevoking, KeyState::kRevoked, KeyState::kFailed}) {
    lookup.keys[5].second.key.state = state;
    EXPECT_EQ(renderer.Render(Message(MessageKind::kKeyConfig)).status().code(),
              StatusCode::kFailedPrecondition)
        << KeyStateName(state);
  }
  // Nor someone else's.
  lookup.keys[5].second.key.state = KeyState::kActive;
  EXPECT_EQ(renderer.Render(Message(MessageKind::kKeyConfig, /*chat=*/43)).status().code(),
            StatusCode::kNotFound);
}

TEST_F(RendererTest, AKeyOfAnotherChatIsNotFound) {
  auto r = renderer.Render(Message(MessageKind::kKeyReady, /*chat=*/43));
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  r = renderer.Render(Message(MessageKind::kExpiryNotice, 42, /*subject=*/6));
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

TEST_F(RendererTest, KeyReadyForARevokedKeyIsRefused) {
  lookup.keys[5].second.key.state = KeyState::kRevoked;
  auto r = renderer.Render(Message(MessageKind::kKeyReady));
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(RendererTest, ExpiryNoticePicksTheTextByTimeLeft) {
  auto r = renderer.Render(Message(MessageKind::kExpiryNotice));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text,
            "⏰ Your key in Amsterdam &lt;NL&gt; expires in 3 days. After that the VPN will stop "
            "working.");

  clock.Advance(hours(72 - 20));
  r = renderer.Render(Message(MessageKind::kExpiryNotice));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "⚠️ Your key in Amsterdam &lt;NL&gt; expires soon: 20 hours left.");
  EXPECT_FALSE(r->png.has_value());
}

TEST_F(RendererTest, KeyExpiredInThePersonsLanguage) {
  lookup.langs[42] = "ru";
  auto r = renderer.Render(Message(MessageKind::kKeyExpired));
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->text.find("истёк"), std::string::npos) << r->text;
}

TEST_F(RendererTest, KeyFailedTellsATrialPersonTheirTrialIsBackInTheirLanguage) {
  lookup.keys[5].second.key.state = KeyState::kFailed;
  lookup.keys[5].second.key.is_trial = true;
  auto r = renderer.Render(Message(MessageKind::kKeyFailed));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text,
            "❌ We could not set up your trial key in Amsterdam &lt;NL&gt;, sorry. Your trial is "
            "yours again: try again later with /trial, or choose another location.");
  EXPECT_FALSE(r->png.has_value());

  lookup.langs[42] = "ru";
  r = renderer.Render(Message(MessageKind::kKeyFailed));
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->text.find("Пробный период снова доступен"), std::string::npos) << r->text;
  EXPECT_NE(r->text.find("Amsterdam &lt;NL&gt;"), std::string::npos) << r->text;
}

TEST_F(RendererTest, KeyFailedForAKeyThatWasNoTrialSaysTryAgainLater) {
  lookup.keys[5].second.key.state = KeyState::kFailed;
  auto r = renderer.Render(Message(MessageKind::kKeyFailed));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text,
            "❌ We could not set up your key in Amsterdam &lt;NL&gt;. Please try again later.");
}

TEST_F(RendererTest, KeyFailedIsRefusedOnceTheKeyWasSetUpAfterAll) {
  // `vpnhub task retry` revived the key before the message went out: its key-ready message
  // follows, so "could not set up" must not.
  for (KeyState state : {KeyState::kPending, KeyState::kActive}) {
    lookup.keys[5].second.key.state = state;
    auto r = renderer.Render(Message(MessageKind::kKeyFailed));
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << KeyStateName(state);
  }
  EXPECT_EQ(renderer.Render(Message(MessageKind::kKeyFailed, /*chat=*/43)).status().code(),
            StatusCode::kNotFound);
}

TEST(QrCacheTest, EvictsTheLeastRecentlyUsed) {
  QrCache cache(2);
  ASSERT_TRUE(cache.Get("a").ok());
  ASSERT_TRUE(cache.Get("b").ok());
  ASSERT_TRUE(cache.Get("a").ok());  // a is now the most recent
  ASSERT_TRUE(cache.Get("c").ok());  // evicts b
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.hits(), 1u);
  ASSERT_TRUE(cache.Get("a").ok());
  EXPECT_EQ(cache.hits(), 2u);
  ASSERT_TRUE(cache.Get("b").ok());  // encoded again
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.Get("").status().code(), StatusCode::kInvalidArgument);
}

TEST(FormatUtcMinuteTest, Formats) {
  EXPECT_EQ(FormatUtcMinute(FromUnixMs(1'700'000'000'000)), "2023-11-14 22:13 UTC");
}

// BotServiceKeyLookup over the real store: only the owner sees their key.
class StoreLookupTest : public UseCaseTest {};

TEST_F(StoreLookupTest, OnlyTheOwnersChatSeesTheKeyAndTheirLanguage) {
  AddServer(10);
  auto req = Request(1001);
  req.lang = "ru";
  auto issued = keys->Issue(req);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  BotServiceKeyLookup lookup(*bot, *store);

  auto mine = lookup.OwnedKey(1001, issued->key.id);
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  EXPECT_EQ(mine->location.name, "nl");
  EXPECT_EQ(lookup.OwnedKey(1002, issued->key.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(lookup.OwnedKey(1001, issued->key.id + 100).status().code(), StatusCode::kNotFound);

  auto lang = lookup.LanguageOf(1001);
  ASSERT_TRUE(lang.ok());
  EXPECT_EQ(lang->value_or(""), "ru");
  auto unknown = lookup.LanguageOf(5555);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());

  // Rendered for the owner, refused for anyone else.
  KeyMessageRenderer renderer(lookup, backends, clock);
  OutgoingMessage m;
  m.kind = MessageKind::kKeyReady;
  m.chat_id = 1001;
  m.subject_id = issued->key.id;
  auto r = renderer.Render(m);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->text.find("Ваш ключ"), std::string::npos);
  m.chat_id = 1002;
  EXPECT_EQ(renderer.Render(m).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace vpnhub::bot
