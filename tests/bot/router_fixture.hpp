#pragma once
// The bot router over the real use cases and an in-memory SQLite store: tests feed it Update
// structs and read what it enqueued from the outgoing_messages table.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/test_config.hpp"
#include "app/use_cases.hpp"
#include "bot/membership.hpp"
#include "bot/router.hpp"
#include "core/usecases/backends.hpp"
#include "fakes/capturing_log.hpp"
#include "fakes/fake_backend.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_secrets.hpp"
#include "metrics/registry.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "telegram/types.hpp"

namespace vpnhub::bot {

inline constexpr TgId kAdmin = 1000;
inline constexpr TgId kAlice = 2001;
inline constexpr TgId kBob = 2002;
inline constexpr TgId kCarol = 2003;

struct CallbackAnswer {
  std::string id;
  std::string text;
};

// The fixture is the use cases as the service wires them (app::MakeUseCases: catalog, keys,
// alerts, ...) from a configuration with a bot, one admin and week-long trials, plus the router.
class RouterTest : public ::testing::Test, protected app::UseCases {
 protected:
  void SetUp() override {
    auto s = storage::SqliteStore::Open({":memory:"});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store = std::move(*s);
    backends.Add(&backend);
    app::EnvMap env = extra_env;
    env.emplace("TG_TOKEN", "123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789");
    env.emplace("ADMIN_TG_ID", std::to_string(kAdmin));
    env.emplace("TRIAL_PERIOD", std::to_string(7 * 24 * 3600));
    env.emplace("LANGUAGES", "en");
    const app::Config config = app::TestConfig(env);
    ports::Store& use_case_store = wrap_store ? *wrap_store(*store) : *store;
    static_cast<app::UseCases&>(*this) =
        app::MakeUseCases(config, {use_case_store, backends, clock, secrets, log, providers});
    settings = app::BotSettingsFrom(config);
    auto nl = catalog->AddLocation("nl");
    ASSERT_TRUE(nl.ok()) << nl.status().ToString();
    nl_id = nl->id;
    // Tests talk faster than people; the flood guard's own tests set their limits.
    options.flood.burst = 1000;
    Rebuild();
  }

  // (Re)creates the service and the router, after a test changed settings or options.
  void Rebuild() {
    service = std::make_unique<usecases::BotService>(*store, *keys, *alerts, clock, settings);
    options.service_name = "TestVPN";
    options.answer_callback = [this](std::string id, std::string text) {
      answers.push_back({std::move(id), std::move(text)});
    };
    router =
        std::make_unique<Router>(*service, membership, options, clock, &registry, billing.get());
  }

  Server AddServer(int capacity, const std::string& location = "nl",
                   const std::string& name = "srv-a") {
    Server s;
    s.kind = "shadowsocks";
    s.public_host = name + ".example.com";
    s.capacity = capacity;
    s.name = name;
    auto r = catalog->AddServer(location, s);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Server{};
  }

  static telegram::TgUser From(TgId tg, const std::string& lang_code = "en") {
    telegram::TgUser u;
    u.id = tg;
    u.username = "user" + std::to_string(tg);
    u.first_name = "User";
    u.language_code = lang_code;
    return u;
  }

  telegram::Update TextUpdate(TgId tg, const std::string& text,
                              const std::string& lang_code = "en") {
    telegram::Update u;
    u.update_id = ++update_id;
    telegram::Message m;
    m.message_id = update_id;
    m.from = From(tg, lang_code);
    m.chat.id = tg;
    m.chat.type = "private";
    m.text = text;
    u.message = m;
    return u;
  }

  telegram::Update Press(TgId tg, const std::string& data) {
    telegram::Update u;
    u.update_id = ++update_id;
    telegram::CallbackQuery q;
    q.id = "cq" + std::to_string(update_id);
    q.from = From(tg);
    telegram::Message m;
    m.message_id = 1;
    m.chat.id = tg;
    m.chat.type = "private";
    m.text = "menu";
    q.message = m;
    q.data = data;
    u.callback_query = q;
    return u;
  }

  void Send(TgId tg, const std::string& text, const std::string& lang_code = "en") {
    router->Handle(TextUpdate(tg, text, lang_code));
  }
  // Presses a button and returns the callback answer's text (the test fails unless exactly one
  // answer was given).
  std::string Tap(TgId tg, const std::string& data) {
    const std::size_t before = answers.size();
    auto update = Press(tg, data);
    router->Handle(update);
    EXPECT_EQ(answers.size(), before + 1)
        << "callback " << data << " answered " << answers.size() - before << " times";
    if (answers.size() != before + 1) return "<not answered once>";
    EXPECT_EQ(answers.back().id, update.callback_query->id);
    return answers.back().text;
  }

  // Every enqueued message, oldest first.
  std::vector<OutgoingMessage> Messages() {
    std::vector<OutgoingMessage> out;
    Status st = store->Read([&](ports::StoreTx& tx) -> Status {
      auto r = tx.messages().ListMessages(std::nullopt, 100000);
      if (!r.ok()) return r.status();
      out = *r;
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    std::reverse(out.begin(), out.end());
    return out;
  }
  std::vector<OutgoingMessage> MessagesTo(TgId tg) {
    std::vector<OutgoingMessage> out;
    for (auto& m : Messages()) {
      if (m.chat_id == tg) out.push_back(std::move(m));
    }
    return out;
  }
  // The newest message to tg; fails the test when there is none.
  OutgoingMessage Last(TgId tg) {
    auto all = MessagesTo(tg);
    EXPECT_FALSE(all.empty()) << "no message to " << tg;
    return all.empty() ? OutgoingMessage{} : all.back();
  }

  std::optional<User> FindUser(TgId tg) {
    std::optional<User> out;
    Status st = store->Read([&](ports::StoreTx& tx) -> Status {
      auto r = tx.users().FindUserByTgId(tg);
      if (!r.ok()) return r.status();
      out = *r;
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }

  std::vector<Key> KeysOf(TgId tg) {
    auto r = keys->KeysOf(tg);
    return r.ok() ? *r : std::vector<Key>{};
  }

  void SetKeyState(Id key_id, KeyState from, KeyState to) {
    Status st = store->Write([&](ports::StoreTx& tx) {
      return tx.keys().UpdateKeyState(key_id, from, to, clock.Now(), "");
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  // A key issued directly through the core (not through the bot).
  Key IssueKey(TgId tg, std::chrono::hours duration = std::chrono::hours(48)) {
    usecases::IssueKeyRequest req;
    req.tg_id = tg;
    req.location_id = nl_id;
    req.duration = duration;
    auto r = keys->Issue(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->key : Key{};
  }

  static std::vector<std::string> ButtonData(const OutgoingMessage& m) {
    std::vector<std::string> out;
    for (const auto& row : m.keyboard) {
      for (const auto& b : row) {
        if (!b.callback_data.empty()) out.push_back(b.callback_data);
      }
    }
    return out;
  }
  static bool HasButton(const OutgoingMessage& m, const std::string& data) {
    auto all = ButtonData(m);
    return std::find(all.begin(), all.end(), data) != all.end();
  }

  double CounterValue(const std::string& name, const metrics::Labels& labels = {}) {
    return registry.GetCounter(name, "", labels).Value();
  }

  fakes::FakeClock clock;
  fakes::FakeSecrets secrets;
  fakes::FakeBackend backend;
  fakes::CapturingLog log;
  metrics::Registry registry;
  usecases::Backends backends;
  std::unique_ptr<storage::SqliteStore> store;
  // Set by a subclass before SetUp: more variables, the payment providers, and a store the use
  // cases run on over the SQLite one (say a fakes::FaultStore).
  app::EnvMap extra_env;
  usecases::BillingService::Providers providers;
  std::function<ports::Store*(ports::Store&)> wrap_store;
  usecases::BotSettings settings;  // the configuration's; a test may change them and Rebuild()
  std::unique_ptr<usecases::BotService> service;
  RouterOptions options;
  MembershipChecker* membership = nullptr;
  std::unique_ptr<Router> router;
  std::vector<CallbackAnswer> answers;
  std::int64_t update_id = 0;
  Id nl_id = 0;
};

}  // namespace vpnhub::bot
