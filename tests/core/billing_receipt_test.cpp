// A payment that makes a key is one message: the key's, opened by the order's receipt
// (ReceiptOfKey, put there by the worker). Extensions keep their receipt message; trials and
// free switches carry none; a bought key that fails for good tells what was paid.
#include <algorithm>

#include "billing_fixture.hpp"

namespace vpnhub {
namespace {

using Outcome = usecases::ConfirmResult::Outcome;

class BillingReceiptTest : public BillingTest {
 protected:
  // The messages to `chat`, oldest first.
  std::vector<OutgoingMessage> To(TgId chat) {
    std::vector<OutgoingMessage> out;
    EXPECT_TRUE(store
                    ->Read([&](ports::StoreTx& tx) -> Status {
                      VPNHUB_ASSIGN_OR_RETURN(auto all,
                                              tx.messages().ListMessages(std::nullopt, 1000));
                      for (const auto& m : all) {
                        if (m.chat_id == chat) out.push_back(m);
                      }
                      return Status::Ok();
                    })
                    .ok());
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
  }

  static bool Has(const OutgoingMessage& m, const std::string& part) {
    return m.text.find(part) != std::string::npos;
  }
};

TEST_F(BillingReceiptTest, ABoughtKeyIsOneMessageTheKeysOpenedByTheReceipt) {
  Order o = MustOrder(NewKey(kAlice, 3));
  auto paid = MustConfirm(Paid(o, "c1", kAlice));
  ASSERT_EQ(paid.outcome, Outcome::kCredited) << paid.reason;
  // Nothing yet: the receipt waits for the key.
  EXPECT_TRUE(To(kAlice).empty());
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(MustConfirm(Paid(o, "c1", kAlice)).outcome, Outcome::kAlreadyCredited);
  RunPendingTasks();
  RunPendingTasks();  // nothing left to run: no second announcement
  auto sent = To(kAlice);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].kind, MessageKind::kKeyReady);
  EXPECT_EQ(sent[0].subject_id, paid.key_id);
  EXPECT_EQ(
      sent[0].text,
      "🧾 <b>Payment received</b>\nNew key in nl for 3 months.\nAmount: 250 ⭐\nValid until " +
          FormatUtcMinute(GetKey(paid.key_id).expires_at) + ".");

  // In the person's language.
  Order ru = MustOrder(NewKey(kBob, 1));
  MustConfirm(Paid(ru, "c2", kBob));
  RunPendingTasks();
  sent = To(kBob);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].kind, MessageKind::kKeyReady);
  EXPECT_TRUE(Has(sent[0], "Оплата получена")) << sent[0].text;
  EXPECT_TRUE(Has(sent[0], "Новый ключ в nl на 1 месяц")) << sent[0].text;
}

TEST_F(BillingReceiptTest, APaidSwitchIsOneMessageTooAndAnExtensionKeepsItsReceipt) {
  WireBilling({{"FREE_SWITCHES_PER_KEY", "0"}});
  Key k = BuyKey(kAlice, 1, "a1");
  auto ext = MustConfirm(Paid(MustOrder(Extension(kAlice, k.id, 1)), "a2", kAlice));
  ASSERT_EQ(ext.outcome, Outcome::kCredited) << ext.reason;
  auto sw = MustConfirm(Paid(MustOrder(Switch(kAlice, k.id, de_)), "a3", kAlice));
  ASSERT_EQ(sw.outcome, Outcome::kCredited) << sw.reason;
  RunPendingTasks();
  auto sent = To(kAlice);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].kind, MessageKind::kKeyReady);  // the bought key
  EXPECT_TRUE(Has(sent[0], "New key in nl for 1 month.")) << sent[0].text;
  EXPECT_EQ(sent[1].kind, MessageKind::kText);  // the extension: its receipt, no key message
  EXPECT_TRUE(Has(sent[1], "Key extended by 1 month.")) << sent[1].text;
  EXPECT_EQ(sent[2].kind, MessageKind::kKeyReady);  // the switch: the new key with its receipt
  EXPECT_EQ(sent[2].subject_id, sw.key_id);
  EXPECT_TRUE(Has(sent[2], "Location switched to de.")) << sent[2].text;
  EXPECT_TRUE(Has(sent[2], "Amount: 50 ⭐")) << sent[2].text;
}

TEST_F(BillingReceiptTest, AFreeSwitchAndAnOperatorsKeyCarryNoReceipt) {
  Key k = BuyKey(kAlice, 1, "a1");
  auto moved = billing->SwitchFree(kAlice, k.id, de_);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  RunPendingTasks();
  auto sent = To(kAlice);
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back().kind, MessageKind::kKeyReady);
  EXPECT_EQ(sent.back().subject_id, moved->key.id);
  EXPECT_EQ(sent.back().text, "");
  const Key fresh = GetKey(moved->key.id);
  auto none = store->Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto r, usecases::ReceiptOfKey(tx, fresh, "en"));
    return r.empty() ? Status::Ok() : Internal("a free switch has a receipt: " + r);
  });
  EXPECT_TRUE(none.ok()) << none.ToString();
}

TEST_F(BillingReceiptTest, ABoughtKeyThatFailsForGoodTellsWhatWasPaid) {
  Order o = MustOrder(NewKey(kAlice, 1));
  auto paid = MustConfirm(Paid(o, "c1", kAlice));
  backend.FailWith(Unavailable("manager did not answer"));
  for (int i = 0; i < 3; ++i) {
    RunPendingTasks();
    clock.Advance(std::chrono::hours(1));
  }
  ASSERT_EQ(GetKey(paid.key_id).state, KeyState::kFailed);
  auto sent = To(kAlice);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].kind, MessageKind::kKeyFailed);
  EXPECT_TRUE(Has(sent[0], "Payment received")) << sent[0].text;
  EXPECT_TRUE(Has(sent[0], "Amount: 100 ⭐")) << sent[0].text;
  // The admins hear of the payment and of the key that could not be set up.
  EXPECT_EQ(Count("SELECT count(*) FROM outgoing_messages WHERE chat_id = 999 AND text LIKE "
                  "'%A person was waiting for key%'"),
            1);
}

}  // namespace
}  // namespace vpnhub
