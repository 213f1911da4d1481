#pragma once
// The router with Telegram Stars sold through a fake provider (MONTH_COST_STARS 100,250,450,800)
// over a store that can be made to fail: for the payment, buy, extend and switch tests.
#include <memory>
#include <string>
#include <vector>

#include "bot/router_fixture.hpp"
#include "fakes/fake_payment_provider.hpp"
#include "fakes/fault_store.hpp"

namespace vpnhub::bot {

struct PreCheckoutAnswer {
  std::string id;
  bool ok = false;
  std::string error;
};

struct NotRecorded {
  TgId payer = 0;
  std::string charge_id;
  std::string error;
};

class RouterPaymentsTest : public RouterTest {
 protected:
  void SetUp() override {
    extra_env = {{"MONTH_COST_STARS", "100,250,450,800"}};
    providers = {{"stars", &provider}};
    wrap_store = [this](ports::Store& inner) {
      faults = std::make_unique<fakes::FaultStore>(inner);
      return faults.get();
    };
    options.answer_pre_checkout = [this](std::string id, bool ok, std::string error) {
      pre_checkout_answers.push_back({std::move(id), ok, std::move(error)});
    };
    options.payment_not_recorded = [this](TgId payer, std::string charge, std::string error) {
      not_recorded.push_back({payer, std::move(charge), std::move(error)});
    };
    options.payment_backoff = std::chrono::milliseconds(1);
    RouterTest::SetUp();
    AddServer(10);
    Send(kAlice, "/start");
    Send(kBob, "/start");
  }

  // vpnhub_payments_confirmed_total{provider="stars",outcome=...}
  double Confirmed(const std::string& outcome) {
    return CounterValue("vpnhub_payments_confirmed_total",
                        {{"provider", "stars"}, {"outcome", outcome}});
  }

  Order AliceOrder(int months = 1) {
    auto o = billing->CreateOrder(fakes::NewKeyRequest(kAlice, nl_id, months));
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    return o.ok() ? *o : Order{};
  }

  // Sends a pre_checkout_query and returns the answer (the test fails unless exactly one).
  PreCheckoutAnswer PreCheckout(TgId payer, const std::string& payload, std::int64_t total,
                                const std::string& currency = "XTR") {
    telegram::Update u;
    u.update_id = ++update_id;
    telegram::PreCheckoutQuery q;
    q.id = "pcq" + std::to_string(update_id);
    q.from = From(payer);
    q.currency = currency;
    q.total_amount = total;
    q.invoice_payload = payload;
    u.pre_checkout_query = q;
    const std::size_t before = pre_checkout_answers.size();
    router->Handle(u);
    EXPECT_EQ(pre_checkout_answers.size(), before + 1);
    if (pre_checkout_answers.size() != before + 1) return {};
    EXPECT_EQ(pre_checkout_answers.back().id, q.id);
    return pre_checkout_answers.back();
  }

  telegram::Update PaymentUpdate(TgId payer, const Order& order, const std::string& charge) {
    telegram::Update u = TextUpdate(payer, "");
    telegram::SuccessfulPayment p;
    p.currency = order.currency;
    p.total_amount = order.amount;
    p.invoice_payload = std::to_string(order.id);
    p.telegram_payment_charge_id = charge;
    u.message->successful_payment = p;
    return u;
  }

  std::vector<Payment> Payments() {
    std::vector<Payment> out;
    Status st = store->Read([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(out, tx.billing().ListPayments({}));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }

  std::vector<Order> Orders() {
    std::vector<Order> out;
    Status st = store->Read([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(out, tx.billing().ListOrders({}));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }
  std::vector<Order> Invoiced() {
    std::lock_guard lock(provider.mu);
    std::vector<Order> out;
    for (const auto& [order, texts] : provider.invoices) out.push_back(order);
    return out;
  }

  fakes::FakeProvider provider;
  std::unique_ptr<fakes::FaultStore> faults;
  std::vector<PreCheckoutAnswer> pre_checkout_answers;
  std::vector<NotRecorded> not_recorded;
};

}  // namespace vpnhub::bot
