#pragma once
// Shared by the Telegram tests: curl set up once, waiting for a condition, the in-memory core
// (store and use cases) the poller and the sender run against, and their common fixture.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "app/test_config.hpp"
#include "app/use_cases.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/secrets.hpp"
#include "core/usecases/backends.hpp"
#include "fakes/capturing_log.hpp"
#include "fakes/fake_backend.hpp"
#include "fakes/fake_secrets.hpp"
#include "servers/fake_telegram.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "telegram/bot_api.hpp"

namespace vpnhub::telegram::test {

// curl_global_init once for the process, never cleaned up: a poll left behind by a test's Stop()
// may still be finishing when the process exits.
inline void InitCurl() {
  static CurlGlobal* curl = new CurlGlobal();
  ASSERT_TRUE(curl->ok());
}

// Polls `done` every 10 ms until it holds (true) or `timeout` passes (false).
inline bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// An in-memory SQLite store with the use cases as the service wires them (app::MakeUseCases),
// default settings.
struct BotCore {
  fakes::FakeBackend backend;
  usecases::Backends backends;
  std::unique_ptr<storage::SqliteStore> store;
  fakes::CapturingLog log;
  app::UseCases wired;
  usecases::BotService* bot = nullptr;

  // Call from SetUp through ASSERT_NO_FATAL_FAILURE.
  void Build(const ports::Clock& clock, ports::SecretSource& secrets) {
    auto s = storage::SqliteStore::Open({":memory:"});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store = std::move(*s);
    backends.Add(&backend);
    wired = app::MakeUseCases(app::TestConfig(), {*store, backends, clock, secrets, log});
    bot = wired.bot.get();
  }
};

// The fake Bot API (started) with the in-memory core, and BotApiOptions pointing at the fake.
// A derived fixture's SetUp calls ASSERT_NO_FATAL_FAILURE(FakeTelegramTest::SetUp()) first; its
// TearDown stops what it started, and the fake, in the order the test needs.
template <typename TestClock>
class FakeTelegramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitCurl();
    ASSERT_TRUE(fake.Start().ok());
    ASSERT_NO_FATAL_FAILURE(core.Build(clock, secrets));
    api.base_url = fake.base_url();
    api.token = fake.token();
  }

  servers::FakeTelegram fake;
  TestClock clock;
  fakes::FakeSecrets secrets;
  fakes::CapturingLog log;
  BotCore core;
  // Shorthands into core.
  std::unique_ptr<storage::SqliteStore>& store = core.store;
  usecases::BotService*& bot = core.bot;
  BotApiOptions api;
};

}  // namespace vpnhub::telegram::test
