#pragma once
// BillingService over the in-memory store, wired as the service wires it, with a fake payment
// provider ("stars", XTR) and helpers to buy, confirm and count.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fakes/fake_payment_provider.hpp"
#include "fakes/fault_store.hpp"
#include "usecase_fixture.hpp"

namespace vpnhub {

using fakes::FakeProvider;

class BillingTest : public UseCaseTest {
 protected:
  static constexpr TgId kAlice = 1001;
  static constexpr TgId kBob = 1002;
  static constexpr TgId kAdmin = 999;

  void SetUp() override {
    UseCaseTest::SetUp();
    WireBilling();
    AddServer(10);
    ASSERT_TRUE(catalog->AddLocation("de").ok());
    Server s;
    s.kind = "shadowsocks";
    s.public_host = "de.example.com";
    s.capacity = 10;
    s.name = "srv-de";
    auto de = catalog->AddServer("de", s);
    ASSERT_TRUE(de.ok()) << de.status().ToString();
    nl_ = LocationId("nl");
    de_ = LocationId("de");
    ASSERT_TRUE(bot->Touch(kAlice, "alice", "en", "").ok());
    ASSERT_TRUE(bot->Touch(kBob, "bob", "ru", "").ok());
  }

  void WireBilling(app::EnvMap env = {}) {
    env.emplace("TASK_MAX_ATTEMPTS", "3");
    env.emplace("MONTH_COST_STARS", "100,250,450,800");
    env.emplace("TG_TOKEN", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_");
    env.emplace("ADMIN_TG_ID", std::to_string(kAdmin));
    env.emplace("PRICE_SWITCH_LOCATION_STARS", "50");
    static_cast<app::UseCases&>(*this) = app::MakeUseCases(
        app::TestConfig(env), {*store, backends, clock, secrets, log, {{"stars", &provider}}});
  }

  Id LocationId(const std::string& name) {
    Id id = 0;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      VPNHUB_ASSIGN_OR_RETURN(auto l, tx.catalog().FindLocationByName(name));
                      if (l) id = l->id;
                      return Status::Ok();
                    })
                    .ok());
    return id;
  }

  usecases::OrderRequest NewKey(TgId tg, int months, std::string promo = "") {
    return fakes::NewKeyRequest(tg, nl_, months, std::move(promo));
  }

  // `months` more on key `key_id`, asked by `tg`, paid with Stars.
  usecases::OrderRequest Extension(TgId tg, Id key_id, int months) {
    usecases::OrderRequest r;
    r.tg_id = tg;
    r.kind = OrderKind::kExtend;
    r.key_id = key_id;
    r.months = months;
    r.provider = "stars";
    return r;
  }

  // A paid move of key `key_id` to `location_id`, asked by `tg`, paid with Stars.
  usecases::OrderRequest Switch(TgId tg, Id key_id, Id location_id) {
    usecases::OrderRequest r;
    r.tg_id = tg;
    r.kind = OrderKind::kSwitch;
    r.key_id = key_id;
    r.location_id = location_id;
    r.provider = "stars";
    return r;
  }

  Order MustOrder(const usecases::OrderRequest& r) {
    auto o = billing->CreateOrder(r);
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    return o.ok() ? *o : Order{};
  }

  ports::PaymentConfirmation Paid(const Order& o, const std::string& charge, TgId payer = 0) {
    return fakes::PaidInFull(o, charge, payer);
  }

  usecases::ConfirmResult MustConfirm(const ports::PaymentConfirmation& c) {
    auto r = billing->ConfirmPayment(c);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : usecases::ConfirmResult{};
  }

  // Buys a new key for `tg` and activates it; returns it.
  Key BuyKey(TgId tg, int months, const std::string& charge) {
    Order o = MustOrder(NewKey(tg, months));
    auto r = MustConfirm(Paid(o, charge, tg));
    EXPECT_EQ(r.outcome, usecases::ConfirmResult::Outcome::kCredited) << r.reason;
    RunPendingTasks();
    return GetKey(r.key_id);
  }

  void RunPendingTasks() {
    for (const Task& t : TasksIn(TaskState::kPending)) executor->RunClaimed(Claim(t.id));
  }

  std::int64_t Count(const std::string& sql) {
    auto n = store->QueryInt(sql);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  }

  Id UserId(TgId tg) { return Count("SELECT id FROM users WHERE tg_id = " + std::to_string(tg)); }

  FakeProvider provider;
  Id nl_ = 0;
  Id de_ = 0;
};

}  // namespace vpnhub
