#pragma once
// Crediting through two store objects on one database, as two `vpnhub serve` processes do: each
// store has its own connections (SQLite: its own connection to the file; PostgreSQL: its own
// pool) and its own BillingService. One payment confirmed through both at once credits once
// (one payment row, one key; no message to the person yet: the receipt comes with the key once it
// is active), the other confirmation reports it already credited;
// a one-use promo on two orders paid at once through the two is used once. The one-store,
// many-thread cases of the same rules are in store_contract_billing.hpp.
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/usecases/backends.hpp"
#include "core/usecases/billing_service.hpp"
#include "core/usecases/key_service.hpp"
#include "fakes/fake_backend.hpp"
#include "fakes/fake_clock.hpp"
#include "fakes/fake_payment_provider.hpp"
#include "fakes/fake_secrets.hpp"
#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

class BillingTwoStoresContract : public StoreContract {
 protected:
  using Outcome = usecases::ConfirmResult::Outcome;
  static constexpr TgId kAdmin = 999;

  // What one process has: its store and the use cases wired on it.
  struct Side {
    ports::Store* store = nullptr;
    std::unique_ptr<usecases::KeyService> keys;
    std::unique_ptr<usecases::BillingService> billing;
  };

  void SetUp() override {
    StoreContract::SetUp();
    ASSERT_TRUE(GetParam().open_again) << "the factory cannot open a second store";
    other_ = GetParam().open_again(*store_);
    ASSERT_NE(other_, nullptr);
    backends_.Add(&backend_);
    Wire(a_, *store_);
    Wire(b_, *other_);
    location_ = AddLocation("nl");
    Server s = MakeServer(location_, "nl-1", 1000);
    s.settings["port_from"] = "20000";
    s.settings["port_to"] = "29999";
    auto id = InWrite([&](ports::StoreTx& tx) { return tx.catalog().InsertServer(s); });
    ASSERT_TRUE(IsOk(id));
  }

  void Wire(Side& side, ports::Store& store) {
    BillingConfig config;
    config.currency = "RUB";
    config.tariffs = {{1, 300}};
    config.tariff_stars = {100};
    side.store = &store;
    side.keys = std::make_unique<usecases::KeyService>(store, backends_, secrets_, clock_, "en");
    side.billing = std::make_unique<usecases::BillingService>(
        store, *side.keys, clock_, config,
        usecases::BillingService::Providers{{"stars", &provider_}}, std::vector<TgId>{kAdmin},
        "en");
  }

  // A person with a created order for a new key, made through side A's BillingService.
  Order Ordered(TgId tg, const std::string& promo = "") {
    AddUser(tg);
    auto o = a_.billing->CreateOrder(fakes::NewKeyRequest(tg, location_, 1, promo));
    EXPECT_TRUE(IsOk(o));
    return o.ok() ? *o : Order{};
  }

  static ports::PaymentConfirmation Paid(const Order& o, TgId payer, const std::string& charge) {
    return fakes::PaidInFull(o, charge, payer);
  }

  // Confirms `first` through side A and `second` through side B at the same moment.
  std::vector<Result<usecases::ConfirmResult>> ConfirmAtOnce(
      const ports::PaymentConfirmation& first, const ports::PaymentConfirmation& second) {
    std::vector<Result<usecases::ConfirmResult>> out(2, Internal("not run"));
    std::latch start(2);
    std::thread ta([&] {
      start.arrive_and_wait();
      out[0] = a_.billing->ConfirmPayment(first);
    });
    std::thread tb([&] {
      start.arrive_and_wait();
      out[1] = b_.billing->ConfirmPayment(second);
    });
    ta.join();
    tb.join();
    return out;
  }

  // Messages queued for `chat`, read through side B's store.
  int MessagesTo(TgId chat) {
    int n = 0;
    Status st = other_->Read([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(auto all, tx.messages().ListMessages(std::nullopt, 100'000));
      for (const OutgoingMessage& m : all) n += m.chat_id == chat ? 1 : 0;
      return Status::Ok();
    });
    EXPECT_TRUE(IsOk(st));
    return n;
  }

  std::vector<Key> KeysOf(Id user) {
    ports::KeyFilter f;
    f.user_id = user;
    auto keys = InRead([&](ports::StoreTx& tx) { return tx.keys().ListKeys(f); });
    EXPECT_TRUE(IsOk(keys));
    return keys.ok() ? *keys : std::vector<Key>{};
  }

  Id UserIdOf(TgId tg) {
    auto u = InRead([&](ports::StoreTx& tx) { return tx.users().FindUserByTgId(tg); });
    EXPECT_TRUE(IsOk(u) && u->has_value());
    return u.ok() && u->has_value() ? (*u)->id : 0;
  }

  fakes::FakeBackend backend_;
  usecases::Backends backends_;
  fakes::FakeSecrets secrets_;
  fakes::FakeClock clock_{At(0)};
  fakes::FakeProvider provider_;
  std::unique_ptr<ports::Store> other_;  // destroyed before store_ (the base's), which owns the db
  Side a_;
  Side b_;
  Id location_ = 0;
};

TEST_P(BillingTwoStoresContract, OnePaymentConfirmedThroughTwoStoresCreditsOnce) {
  constexpr int kRounds = 12;  // several people: the two confirmations overlap in most rounds
  for (int round = 0; round < kRounds; ++round) {
    const TgId tg = 5000 + round;
    const Order order = Ordered(tg);
    ASSERT_NE(order.id, 0);
    const auto conf = Paid(order, tg, "charge-" + std::to_string(round));
    auto results = ConfirmAtOnce(conf, conf);
    ASSERT_TRUE(IsOk(results[0])) << "round " << round;
    ASSERT_TRUE(IsOk(results[1])) << "round " << round;
    const bool a_won = results[0]->outcome == Outcome::kCredited;
    const auto& won = a_won ? *results[0] : *results[1];
    const auto& lost = a_won ? *results[1] : *results[0];
    EXPECT_EQ(won.outcome, Outcome::kCredited) << "round " << round << ": " << won.reason;
    EXPECT_EQ(lost.outcome, Outcome::kAlreadyCredited) << "round " << round << ": " << lost.reason;
    EXPECT_NE(won.key_id, 0);
    EXPECT_EQ(lost.key_id, 0);

    const Id user = UserIdOf(tg);
    auto keys = KeysOf(user);
    ASSERT_EQ(keys.size(), 1u) << "round " << round;
    EXPECT_EQ(keys[0].id, won.key_id);
    // The receipt goes with the key's message once the key is active: none yet, from either.
    EXPECT_EQ(MessagesTo(tg), 0) << "round " << round << ": no message before the key";
    auto stored = InRead([&](ports::StoreTx& tx) { return tx.billing().GetOrder(order.id); });
    ASSERT_TRUE(IsOk(stored));
    EXPECT_EQ(stored->state, OrderState::kFulfilled);
    EXPECT_EQ(stored->result_key_id, won.key_id);
    // A later replay, through either store, changes nothing.
    auto again = b_.billing->ConfirmPayment(conf);
    ASSERT_TRUE(IsOk(again));
    EXPECT_EQ(again->outcome, Outcome::kAlreadyCredited);
  }
  ports::PaymentFilter all;
  all.limit = 1000;
  auto payments = InRead([&](ports::StoreTx& tx) { return tx.billing().ListPayments(all); });
  ASSERT_TRUE(IsOk(payments));
  EXPECT_EQ(payments->size(), static_cast<std::size_t>(kRounds));
  for (const Payment& p : *payments) EXPECT_EQ(p.state, PaymentState::kCredited);
  EXPECT_EQ(MessagesTo(kAdmin), kRounds);  // one payment notice each
}

TEST_P(BillingTwoStoresContract, AOneUsePromoPaidThroughTwoStoresAtOnceIsUsedOnce) {
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    PromoCode promo;
    promo.code = "ONE" + std::to_string(round);
    promo.percent = 10;
    promo.max_uses = 1;
    ASSERT_TRUE(IsOk(a_.billing->AddPromo(promo)));
    const TgId first = 6000 + 2 * round;
    const TgId second = first + 1;
    // Both may order with it: a use is counted when an order is paid.
    const Order o1 = Ordered(first, promo.code);
    const Order o2 = Ordered(second, promo.code);
    ASSERT_EQ(o1.amount, 90);
    ASSERT_EQ(o2.amount, 90);
    auto results = ConfirmAtOnce(Paid(o1, first, "p1-" + std::to_string(round)),
                                 Paid(o2, second, "p2-" + std::to_string(round)));
    ASSERT_TRUE(IsOk(results[0]));
    ASSERT_TRUE(IsOk(results[1]));
    const int credited = (results[0]->outcome == Outcome::kCredited ? 1 : 0) +
                         (results[1]->outcome == Outcome::kCredited ? 1 : 0);
    const int refused = (results[0]->outcome == Outcome::kMismatch ? 1 : 0) +
                        (results[1]->outcome == Outcome::kMismatch ? 1 : 0);
    EXPECT_EQ(credited, 1) << "round " << round;
    EXPECT_EQ(refused, 1) << "round " << round << ": the late payment is kept for the admins";
    auto stored = InRead([&](ports::StoreTx& tx) { return tx.billing().FindPromo(promo.code); });
    ASSERT_TRUE(IsOk(stored));
    ASSERT_TRUE(stored->has_value());
    EXPECT_EQ((*stored)->uses, 1) << "round " << round;
    EXPECT_EQ(KeysOf(UserIdOf(first)).size() + KeysOf(UserIdOf(second)).size(), 1u);
  }
}

}  // namespace vpnhub::storage
