#pragma once
// Contract of ports::BillingStore: orders by compare-and-set, payments unique per provider id
// (concurrent crediting of one payment credits once), promo uses counted atomically (a one-use
// code used concurrently is used once), referral rewards once per order, key switches once per
// key, figures.
#include <atomic>
#include <thread>
#include <vector>

#include "storage/store_contract_fixture.hpp"

namespace vpnhub::storage {

class BillingContract : public StoreContract {
 protected:
  Order MakeOrder(Id user, std::int64_t amount = 100) {
    Order o;
    o.user_id = user;
    o.kind = OrderKind::kNewKey;
    o.location_id = 1;
    o.months = 1;
    o.provider = "stars";
    o.amount = amount;
    o.currency = "XTR";
    o.created_at = o.updated_at = At(0);
    o.expires_at = At(3600);
    return o;
  }
  Id AddOrder(const Order& o) {
    auto id = InWrite([&](ports::StoreTx& tx) { return tx.billing().InsertOrder(o); });
    EXPECT_TRUE(IsOk(id));
    return id.ok() ? *id : 0;
  }
  static Payment MakePayment(Id order, const std::string& charge) {
    Payment p;
    p.provider = "stars";
    p.provider_payment_id = charge;
    p.order_id = order;
    p.amount = 100;
    p.currency = "XTR";
    p.created_at = p.updated_at = At(10);
    return p;
  }
  Id AddPromo(const std::string& code, int max_uses, bool once) {
    PromoCode p;
    p.code = code;
    p.percent = 10;
    p.max_uses = max_uses;
    p.once_per_person = once;
    p.created_at = At(0);
    auto id = InWrite([&](ports::StoreTx& tx) { return tx.billing().InsertPromo(p); });
    EXPECT_TRUE(IsOk(id));
    return id.ok() ? *id : 0;
  }
};

TEST_P(BillingContract, OrdersMoveByCompareAndSetAndTheOpenOneIsFound) {
  Id user = AddUser(1);
  Order o = MakeOrder(user);
  o.id = AddOrder(o);
  auto open = InRead([&](ports::StoreTx& tx) { return tx.billing().FindOpenOrder(o, At(10)); });
  ASSERT_TRUE(IsOk(open));
  ASSERT_TRUE(open->has_value());
  EXPECT_EQ((*open)->id, o.id);
  auto past = InRead([&](ports::StoreTx& tx) { return tx.billing().FindOpenOrder(o, At(3600)); });
  EXPECT_FALSE(past->has_value());
  Order other = o;
  other.months = 3;
  EXPECT_FALSE(InRead([&](ports::StoreTx& tx) {
                 return tx.billing().FindOpenOrder(other, At(10));
               })->has_value());
  EXPECT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.billing().MoveOrder(o.id, OrderState::kCreated, OrderState::kPaid, 0, At(20));
  })));
  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) {
    return tx.billing().MoveOrder(o.id, OrderState::kCreated, OrderState::kPaid, 0, At(20));
  }),
                      StatusCode::kConflict));
  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) {
    return tx.billing().MoveOrder(o.id + 99, OrderState::kCreated, OrderState::kPaid, 0, At(20));
  }),
                      StatusCode::kNotFound));
  EXPECT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.billing().MoveOrder(o.id, OrderState::kPaid, OrderState::kFulfilled, 42, At(30));
  })));
  auto got = InRead([&](ports::StoreTx& tx) { return tx.billing().GetOrder(o.id); });
  ASSERT_TRUE(IsOk(got));
  EXPECT_EQ(got->state, OrderState::kFulfilled);
  EXPECT_EQ(got->result_key_id, 42);
  EXPECT_EQ(got->updated_at, At(30));
  ports::OrderFilter f;
  f.user_id = user;
  f.state = OrderState::kFulfilled;
  EXPECT_EQ(InRead([&](ports::StoreTx& tx) { return tx.billing().ListOrders(f); })->size(), 1u);
}

TEST_P(BillingContract, TheOrderThatMadeAKeyIsAFulfilledNewKeyOrSwitch) {
  Id user = AddUser(1);
  auto fulfil = [&](OrderKind kind, Id key_id, OrderState to) {
    Order o = MakeOrder(user);
    o.kind = kind;
    o.id = AddOrder(o);
    EXPECT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
      VPNHUB_RETURN_IF_ERROR(
          tx.billing().MoveOrder(o.id, OrderState::kCreated, OrderState::kPaid, 0, At(20)));
      if (to == OrderState::kPaid) return Status::Ok();
      return tx.billing().MoveOrder(o.id, OrderState::kPaid, to, key_id, At(30));
    })));
    return o.id;
  };
  auto made = [&](Id key_id) {
    auto got =
        InRead([&](ports::StoreTx& tx) { return tx.billing().FindOrderThatMadeKey(key_id); });
    EXPECT_TRUE(IsOk(got));
    return got.ok() && got->has_value() ? (*got)->id : Id{0};
  };
  Id bought = fulfil(OrderKind::kNewKey, 7, OrderState::kFulfilled);
  fulfil(OrderKind::kExtend, 7, OrderState::kFulfilled);  // extends key 7: it did not make it
  Id switched = fulfil(OrderKind::kSwitch, 8, OrderState::kFulfilled);
  fulfil(OrderKind::kExtend, 9, OrderState::kFulfilled);
  fulfil(OrderKind::kNewKey, 0, OrderState::kPaid);  // paid, never carried out
  EXPECT_EQ(made(7), bought);
  EXPECT_EQ(made(8), switched);
  EXPECT_EQ(made(9), 0);
  EXPECT_EQ(made(10), 0);
  EXPECT_EQ(made(0), 0);
}

TEST_P(BillingContract, StaleOrdersExpire) {
  Id user = AddUser(1);
  AddOrder(MakeOrder(user));
  auto none = InWrite([&](ports::StoreTx& tx) { return tx.billing().ExpireOrders(At(10), 10); });
  EXPECT_EQ(*none, 0);
  auto one = InWrite([&](ports::StoreTx& tx) { return tx.billing().ExpireOrders(At(3600), 10); });
  EXPECT_EQ(*one, 1);
}

// ports::InvoiceStore: an invoice is recorded on a created order only; the due checks are the
// created or expired orders whose next check has come, soonest first; paying an order ends its
// checks.
TEST_P(BillingContract, InvoicesAreRecordedOnCreatedOrdersAndTheirChecksComeDue) {
  Id user = AddUser(1);
  Id first = AddOrder(MakeOrder(user));
  Id second = AddOrder(MakeOrder(user));
  Id never = AddOrder(MakeOrder(user));
  ASSERT_TRUE(store_
                  ->Write([&](ports::StoreTx& tx) {
                    return tx.invoices().SetOrderInvoice(first, "inv-1", "https://pay/1", At(70),
                                                         At(10));
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Write([&](ports::StoreTx& tx) {
                    return tx.invoices().SetOrderInvoice(second, "inv-2", "https://pay/2", At(60),
                                                         At(10));
                  })
                  .ok());
  (void)never;
  auto due = [&](int at) {
    std::vector<Id> ids;
    auto orders =
        InWrite([&](ports::StoreTx& tx) { return tx.invoices().DueOrderChecks(At(at), 10); });
    EXPECT_TRUE(IsOk(orders));
    if (orders.ok()) {
      for (const Order& o : *orders) ids.push_back(o.id);
    }
    return ids;
  };
  EXPECT_TRUE(due(59).empty());
  EXPECT_EQ(due(70), (std::vector<Id>{second, first}));
  auto stored = InWrite([&](ports::StoreTx& tx) { return tx.billing().GetOrder(first); });
  ASSERT_TRUE(IsOk(stored));
  EXPECT_EQ(stored->invoice_ref, "inv-1");
  EXPECT_EQ(stored->invoice_url, "https://pay/1");
  EXPECT_EQ(stored->checks, 0);
  ASSERT_TRUE(store_
                  ->Write([&](ports::StoreTx& tx) {
                    return tx.invoices().SetOrderCheck(second, 1, At(500), At(70));
                  })
                  .ok());
  EXPECT_EQ(due(70), (std::vector<Id>{first}));
  // An expired order is still asked about; a paid one no more.
  ASSERT_TRUE(
      InWrite([&](ports::StoreTx& tx) { return tx.billing().ExpireOrders(At(3600), 10); }).ok());
  EXPECT_EQ(due(3600), (std::vector<Id>{first, second}));
  ASSERT_TRUE(store_
                  ->Write([&](ports::StoreTx& tx) {
                    return tx.billing().MoveOrder(first, OrderState::kExpired, OrderState::kPaid, 0,
                                                  At(3601));
                  })
                  .ok());
  EXPECT_EQ(due(3600), (std::vector<Id>{second}));
  stored = InWrite([&](ports::StoreTx& tx) { return tx.billing().GetOrder(first); });
  EXPECT_FALSE(stored->next_check_at.has_value());
  EXPECT_EQ(store_
                ->Write([&](ports::StoreTx& tx) {
                  return tx.invoices().SetOrderInvoice(first, "x", "y", At(1), At(3602));
                })
                .code(),
            StatusCode::kConflict);
  EXPECT_EQ(store_
                ->Write([&](ports::StoreTx& tx) {
                  return tx.invoices().SetOrderCheck(999999, 1, std::nullopt, At(1));
                })
                .code(),
            StatusCode::kNotFound);
}

TEST_P(BillingContract, APaymentIsRecordedOncePerProviderId) {
  Id user = AddUser(1);
  Id order = AddOrder(MakeOrder(user));
  auto id = InWrite(
      [&](ports::StoreTx& tx) { return tx.billing().InsertPayment(MakePayment(order, "ch-1")); });
  ASSERT_TRUE(IsOk(id));
  // The replay fails alone: the transaction stays usable.
  auto again = InWrite([&](ports::StoreTx& tx) -> Result<Id> {
    auto r = tx.billing().InsertPayment(MakePayment(order, "ch-1"));
    if (r.status().code() != StatusCode::kAlreadyExists) return Internal("not refused");
    return tx.billing().InsertPayment(MakePayment(order, "ch-2"));
  });
  EXPECT_TRUE(IsOk(again));
  auto found =
      InRead([&](ports::StoreTx& tx) { return tx.billing().FindPayment("stars", "ch-1"); });
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, *id);
  EXPECT_TRUE(IsOk(store_->Write([&](ports::StoreTx& tx) {
    return tx.billing().MovePayment(*id, PaymentState::kCredited, PaymentState::kRefunded, At(5));
  })));
  EXPECT_TRUE(HasCode(store_->Write([&](ports::StoreTx& tx) {
    return tx.billing().MovePayment(*id, PaymentState::kCredited, PaymentState::kRefunded, At(5));
  }),
                      StatusCode::kConflict));
  ports::PaymentFilter f;
  f.provider = "stars";
  EXPECT_EQ(InRead([&](ports::StoreTx& tx) { return tx.billing().ListPayments(f); })->size(), 2u);
}

TEST_P(BillingContract, ConcurrentCreditingOfOnePaymentCreditsOnce) {
  Id user = AddUser(1);
  Id order = AddOrder(MakeOrder(user));
  constexpr int kThreads = 8;
  std::atomic<int> credited{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      bool mine = false;
      Status st = store_->Write([&](ports::StoreTx& tx) -> Status {
        mine = false;
        VPNHUB_ASSIGN_OR_RETURN(auto seen, tx.billing().FindPayment("stars", "ch-1"));
        if (seen) return Status::Ok();
        auto id = tx.billing().InsertPayment(MakePayment(order, "ch-1"));
        if (id.status().code() == StatusCode::kAlreadyExists) return Status::Ok();
        VPNHUB_RETURN_IF_ERROR(id.status());
        VPNHUB_RETURN_IF_ERROR(
            tx.billing().MoveOrder(order, OrderState::kCreated, OrderState::kPaid, 0, At(5)));
        mine = true;
        return Status::Ok();
      });
      if (!st.ok()) ++errors;
      if (st.ok() && mine) ++credited;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(credited.load(), 1);
  ports::PaymentFilter f;
  EXPECT_EQ(InRead([&](ports::StoreTx& tx) { return tx.billing().ListPayments(f); })->size(), 1u);
}

TEST_P(BillingContract, AOneUsePromoUsedConcurrentlyIsUsedOnce) {
  Id promo = AddPromo("ONE", 1, false);
  constexpr int kThreads = 8;
  std::vector<Id> users;
  for (int i = 0; i < kThreads; ++i) users.push_back(AddUser(100 + i));
  std::atomic<int> used{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Status st = store_->Write([&](ports::StoreTx& tx) {
        return tx.billing().UsePromo(promo, users[t], 1000 + t, At(5));
      });
      if (st.ok()) ++used;
      if (st.code() == StatusCode::kResourceExhausted) ++refused;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(used.load(), 1);
  EXPECT_EQ(refused.load(), kThreads - 1);
  auto p = InRead([&](ports::StoreTx& tx) { return tx.billing().FindPromo("ONE"); });
  EXPECT_EQ((*p)->uses, 1);
}

TEST_P(BillingContract, APromoIsUsedOncePerPersonAndOncePerOrder) {
  Id once = AddPromo("ONCE", 0, true);
  Id many = AddPromo("MANY", 0, false);
  Id user = AddUser(1);
  auto use = [&](Id promo, Id order) {
    return store_->Write(
        [&](ports::StoreTx& tx) { return tx.billing().UsePromo(promo, user, order, At(5)); });
  };
  EXPECT_TRUE(IsOk(use(once, 1)));
  EXPECT_TRUE(HasCode(use(once, 2), StatusCode::kAlreadyExists));
  EXPECT_TRUE(IsOk(use(many, 3)));
  EXPECT_TRUE(IsOk(use(many, 4)));
  EXPECT_TRUE(HasCode(use(many, 4), StatusCode::kAlreadyExists));
  EXPECT_TRUE(HasCode(use(once + many + 10, 5), StatusCode::kNotFound));
  EXPECT_TRUE(*InRead([&](ports::StoreTx& tx) { return tx.billing().PromoUsedBy(once, user); }));
  EXPECT_EQ((*InRead([&](ports::StoreTx& tx) { return tx.billing().FindPromo("MANY"); }))->uses, 2);
  EXPECT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.billing().DisablePromo("MANY"); })));
  EXPECT_TRUE(HasCode(use(many, 6), StatusCode::kResourceExhausted));
  EXPECT_TRUE(
      HasCode(store_->Write([&](ports::StoreTx& tx) { return tx.billing().DisablePromo("NONE"); }),
              StatusCode::kNotFound));
  EXPECT_EQ(InRead([&](ports::StoreTx& tx) { return tx.billing().ListPromos(); })->size(), 2u);
}

TEST_P(BillingContract, ReferralRewardsOncePerOrderAndCreditTakenOnce) {
  Id referrer = AddUser(1);
  Id invitee = AddUser(2);
  ReferralReward r{0, referrer, invitee, 7, 3, 0, At(0)};
  EXPECT_TRUE(
      IsOk(InWrite([&](ports::StoreTx& tx) { return tx.billing().InsertReferralReward(r); })));
  EXPECT_TRUE(
      HasCode(InWrite([&](ports::StoreTx& tx) { return tx.billing().InsertReferralReward(r); }),
              StatusCode::kAlreadyExists));
  auto totals = InRead([&](ports::StoreTx& tx) { return tx.billing().ReferralTotalsOf(referrer); });
  EXPECT_EQ(totals->rewards, 1);
  EXPECT_EQ(totals->days_pending, 3);
  EXPECT_EQ(
      *InWrite([&](ports::StoreTx& tx) { return tx.billing().TakeReferralCredit(referrer, 9); }),
      3);
  EXPECT_EQ(
      *InWrite([&](ports::StoreTx& tx) { return tx.billing().TakeReferralCredit(referrer, 9); }),
      0);
}

TEST_P(BillingContract, AKeyIsSwitchedOnceAndTheSwitchFinishesOnce) {
  Id loc = AddLocation("nl");
  Id server = AddServer(loc, "nl-1");
  Id user = AddUser(1);
  Id old_key = AddKey(MakeKey(user, server, 0));
  Id new_key = AddKey(MakeKey(user, server, 1));
  Id third = AddKey(MakeKey(user, server, 2));
  auto insert = [&](Id n, Id o) {
    return store_->Write([&](ports::StoreTx& tx) {
      return tx.billing().InsertKeySwitch({n, o, 0, 1, false, At(0)});
    });
  };
  EXPECT_TRUE(IsOk(insert(new_key, old_key)));
  // A drain moved the old key to `third`: the open switch replaces `third` from now on.
  EXPECT_TRUE(
      *InWrite([&](ports::StoreTx& tx) { return tx.keys().RetargetKeySwitch(old_key, third); }));
  EXPECT_EQ(
      (*InRead([&](ports::StoreTx& tx) { return tx.billing().GetKeySwitch(new_key); }))->old_key_id,
      third);
  EXPECT_FALSE(
      *InWrite([&](ports::StoreTx& tx) { return tx.keys().RetargetKeySwitch(old_key, third); }));
  EXPECT_TRUE(
      *InWrite([&](ports::StoreTx& tx) { return tx.keys().RetargetKeySwitch(third, old_key); }));
  EXPECT_TRUE(HasCode(insert(third, old_key), StatusCode::kAlreadyExists));
  auto got = InRead([&](ports::StoreTx& tx) { return tx.billing().GetKeySwitch(new_key); });
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->old_key_id, old_key);
  auto first = InWrite([&](ports::StoreTx& tx) { return tx.billing().FinishKeySwitch(new_key); });
  EXPECT_EQ(first->value_or(0), old_key);
  auto second = InWrite([&](ports::StoreTx& tx) { return tx.billing().FinishKeySwitch(new_key); });
  EXPECT_FALSE(second->has_value());
  // A switch done is not retargeted.
  EXPECT_FALSE(
      *InWrite([&](ports::StoreTx& tx) { return tx.keys().RetargetKeySwitch(old_key, third); }));
}

TEST_P(BillingContract, FiguresCountCreditedPaymentsAndTheListsFilter) {
  Id trial = AddUser(1);
  Id other = AddUser(2);
  ASSERT_TRUE(
      IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.users().MarkTrialUsed(trial); })));
  Key trial_key = MakeKey(trial, AddServer(AddLocation("nl"), "nl-1"), 0);
  trial_key.is_trial = true;  // created At(0), before the payments
  AddKey(trial_key);
  Id first = AddOrder(MakeOrder(trial));
  Id second = AddOrder(MakeOrder(other, 250));
  auto move = [&](OrderState from, OrderState to, Id key) {
    return store_->Write(
        [&](ports::StoreTx& tx) { return tx.billing().MoveOrder(first, from, to, key, At(5)); });
  };
  ASSERT_TRUE(IsOk(move(OrderState::kCreated, OrderState::kPaid, 7)));
  ASSERT_TRUE(IsOk(move(OrderState::kPaid, OrderState::kFulfilled, 0)));  // keeps key 7
  EXPECT_EQ(InRead([&](ports::StoreTx& tx) { return tx.billing().GetOrder(first); })->result_key_id,
            7);
  auto pay = [&](Id order, Id user, const std::string& charge, std::int64_t amount,
                 const std::string& currency, PaymentState state, Time at) {
    Payment p = MakePayment(order, charge);
    p.user_id = user;
    p.amount = amount;
    p.currency = currency;
    p.state = state;
    p.created_at = p.updated_at = at;
    EXPECT_TRUE(IsOk(InWrite([&](ports::StoreTx& tx) { return tx.billing().InsertPayment(p); })));
  };
  pay(first, trial, "ch-1", 100, "XTR", PaymentState::kCredited, At(10));
  pay(first, trial, "ch-2", 30, "XTR", PaymentState::kCredited, At(20));
  pay(second, other, "ch-3", 999, "XTR", PaymentState::kMismatch, At(30));
  pay(second, other, "ch-4", 250, "USD", PaymentState::kCredited, At(-86400));
  auto f = InRead([&](ports::StoreTx& tx) { return tx.billing().Figures(At(0), At(-30 * 86400)); });
  ASSERT_TRUE(IsOk(f));
  ASSERT_EQ(f->today.size(), 1u);
  EXPECT_EQ(f->today[0].currency, "XTR");
  EXPECT_EQ(f->today[0].payments, 2);
  EXPECT_EQ(f->today[0].amount, 130);
  ASSERT_EQ(f->month.size(), 2u);
  EXPECT_EQ(f->month[0].currency, "USD");
  EXPECT_EQ(f->month[0].amount, 250);
  EXPECT_EQ(f->month[1].amount, 130);
  EXPECT_EQ(f->paid_orders_today, 1);  // two credited payments of one order
  EXPECT_EQ(f->paid_orders_month, 2);
  EXPECT_EQ(f->paid_orders, 1);
  EXPECT_EQ(f->trial_users, 1);
  EXPECT_EQ(f->trial_then_paid, 1);
  ports::OrderFilter all;
  auto orders = InRead([&](ports::StoreTx& tx) { return tx.billing().ListOrders(all); });
  ASSERT_EQ(orders->size(), 2u);
  EXPECT_EQ((*orders)[0].id, second);  // newest first
  ports::OrderFilter created;
  created.state = OrderState::kCreated;
  orders = InRead([&](ports::StoreTx& tx) { return tx.billing().ListOrders(created); });
  ASSERT_EQ(orders->size(), 1u);
  EXPECT_EQ((*orders)[0].id, second);
  ports::PaymentFilter of_other;
  of_other.user_id = other;
  EXPECT_EQ(InRead([&](ports::StoreTx& tx) { return tx.billing().ListPayments(of_other); })->size(),
            2u);
}

TEST_P(BillingContract, ConversionCountsOnlyPaymentsAfterTheFirstTrialKey) {
  Id server = AddServer(AddLocation("nl"), "nl-1");
  // before: paid At(-10), trial key At(0); after: trial key At(0), paid At(10); refunded: paid
  // At(10) but the payment was refunded; no_trial: paid, never took a trial.
  Id before = AddUser(1);
  Id after = AddUser(2);
  Id refunded = AddUser(3);
  Id no_trial = AddUser(4);
  int slot = 0;
  for (Id u : {before, after, refunded}) {
    ASSERT_TRUE(
        IsOk(store_->Write([&](ports::StoreTx& tx) { return tx.users().MarkTrialUsed(u); })));
    Key k = MakeKey(u, server, slot++);
    k.is_trial = true;
    AddKey(k);
  }
  auto pay = [&](Id user, const std::string& charge, PaymentState state, Time at) {
    Payment p = MakePayment(AddOrder(MakeOrder(user)), charge);
    p.user_id = user;
    p.state = state;
    p.created_at = p.updated_at = at;
    EXPECT_TRUE(IsOk(InWrite([&](ports::StoreTx& tx) { return tx.billing().InsertPayment(p); })));
  };
  pay(before, "ch-b", PaymentState::kCredited, At(-10));
  pay(after, "ch-a1", PaymentState::kCredited, At(10));
  pay(after, "ch-a2", PaymentState::kCredited, At(20));
  pay(refunded, "ch-r", PaymentState::kRefunded, At(10));
  pay(no_trial, "ch-n", PaymentState::kCredited, At(10));
  auto f = InRead([&](ports::StoreTx& tx) { return tx.billing().Figures(At(0), At(-100)); });
  ASSERT_TRUE(IsOk(f));
  EXPECT_EQ(f->trial_users, 3);
  EXPECT_EQ(f->trial_then_paid, 1);
  EXPECT_EQ(f->paid_orders_today, 3);  // after's two orders and no_trial's; not the refunded one
  EXPECT_EQ(f->paid_orders_month, 4);
}

TEST_P(BillingContract, ReferralTotalsCountTheInvitedPeopleWhoPaid) {
  Id referrer = AddUser(1);
  std::vector<Id> invited;
  for (TgId tg = 2; tg <= 4; ++tg) {
    User u = MakeUser(tg);
    u.referrer_id = referrer;
    auto id = InWrite([&](ports::StoreTx& tx) { return tx.users().InsertUser(u); });
    ASSERT_TRUE(IsOk(id));
    invited.push_back(*id);
  }
  const Id outsider = AddUser(5);
  auto pay = [&](Id user, const std::string& charge, PaymentState state) {
    Payment p = MakePayment(AddOrder(MakeOrder(user)), charge);
    p.user_id = user;
    p.state = state;
    EXPECT_TRUE(IsOk(InWrite([&](ports::StoreTx& tx) { return tx.billing().InsertPayment(p); })));
  };
  pay(invited[0], "ch-1", PaymentState::kCredited);
  pay(invited[0], "ch-2", PaymentState::kCredited);  // one person, counted once
  pay(invited[1], "ch-3", PaymentState::kMismatch);  // not paid
  pay(outsider, "ch-4", PaymentState::kCredited);
  auto totals = InRead([&](ports::StoreTx& tx) { return tx.billing().ReferralTotalsOf(referrer); });
  ASSERT_TRUE(IsOk(totals));
  EXPECT_EQ(totals->invited, 3);
  EXPECT_EQ(totals->paid, 1);
}

}  // namespace vpnhub::storage
