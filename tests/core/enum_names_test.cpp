// Enum names (core/enum_names.hpp tables): every value has its own name and reads back from it.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/billing.hpp"
#include "core/domain.hpp"
#include "core/status.hpp"

namespace vpnhub {
namespace {

template <class E>
void ExpectRoundTrip(std::initializer_list<E> values, const char* (*name_of)(E),
                     std::optional<E> (*parse)(const std::string&)) {
  std::set<std::string> names;
  for (E v : values) {
    const std::string name = name_of(v);
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << name << " is used twice";
    auto back = parse(name);
    ASSERT_TRUE(back.has_value()) << name;
    EXPECT_EQ(*back, v) << name;
  }
  EXPECT_FALSE(parse("").has_value());
  EXPECT_FALSE(parse("Created").has_value());
}

TEST(BillingNamesTest, OrderKindsRoundTrip) {
  ExpectRoundTrip({OrderKind::kNewKey, OrderKind::kExtend, OrderKind::kSwitch}, OrderKindName,
                  ParseOrderKind);
  EXPECT_STREQ(OrderKindName(OrderKind::kNewKey), "new_key");
}

TEST(BillingNamesTest, OrderStatesRoundTrip) {
  ExpectRoundTrip({OrderState::kCreated, OrderState::kPaid, OrderState::kFulfilled,
                   OrderState::kExpired, OrderState::kCancelled, OrderState::kRefunded},
                  OrderStateName, ParseOrderState);
}

TEST(BillingNamesTest, PaymentStatesRoundTrip) {
  ExpectRoundTrip({PaymentState::kCredited, PaymentState::kMismatch, PaymentState::kRefunded},
                  PaymentStateName, ParsePaymentState);
}

TEST(DomainNamesTest, StatesAndKindsRoundTrip) {
  ExpectRoundTrip({KeyState::kPending, KeyState::kActive, KeyState::kRevoking, KeyState::kRevoked,
                   KeyState::kFailed},
                  KeyStateName, ParseKeyState);
  ExpectRoundTrip(
      {TaskKind::kProvisionKey, TaskKind::kRevokeKey, TaskKind::kSyncKey, TaskKind::kRestoreKey},
      TaskKindName, ParseTaskKind);
  EXPECT_EQ(AllTaskKinds().size(), 4u);
  ExpectRoundTrip({TaskState::kPending, TaskState::kRunning, TaskState::kDone, TaskState::kFailed},
                  TaskStateName, ParseTaskState);
  ExpectRoundTrip({MessageKind::kText, MessageKind::kKeyReady, MessageKind::kExpiryNotice,
                   MessageKind::kKeyExpired, MessageKind::kAdminAlert, MessageKind::kKeyFailed,
                   MessageKind::kKeyConfig},
                  MessageKindName, ParseMessageKind);
  ExpectRoundTrip(
      {MessageState::kPending, MessageState::kSending, MessageState::kSent, MessageState::kFailed},
      MessageStateName, ParseMessageState);
  // The names are stored in the database: they never change.
  EXPECT_STREQ(MessageKindName(MessageKind::kKeyReady), "key_ready");
  EXPECT_STREQ(TaskKindName(TaskKind::kRevokeKey), "revoke_key");
}

TEST(StatusNamesTest, EveryCodeHasItsOwnName) {
  std::set<std::string> names;
  for (int c = 0; c <= static_cast<int>(StatusCode::kInternal); ++c) {
    const std::string name = StatusCodeName(static_cast<StatusCode>(c));
    EXPECT_NE(name, "unknown") << c;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  // Metrics labels and logs carry these names.
  EXPECT_STREQ(StatusCodeName(StatusCode::kUnavailable), "unavailable");
  EXPECT_STREQ(StatusCodeName(StatusCode::kOk), "ok");
}

TEST(BillingNamesTest, AMonthIsThirtyOneDays) {
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::hours>(kBillingMonth).count(), 31 * 24);
}

}  // namespace
}  // namespace vpnhub
