#include "core/billing.hpp"

#include "core/enum_names.hpp"

namespace vpnhub {
namespace {

constexpr NameTable<OrderKind, 3> kOrderKinds = {{OrderKind::kNewKey, "new_key"},
                                                 {OrderKind::kExtend, "extend"},
                                                 {OrderKind::kSwitch, "switch"}};

constexpr NameTable<OrderState, 6> kOrderStates = {
    {OrderState::kCreated, "created"},     {OrderState::kPaid, "paid"},
    {OrderState::kFulfilled, "fulfilled"}, {OrderState::kExpired, "expired"},
    {OrderState::kCancelled, "cancelled"}, {OrderState::kRefunded, "refunded"}};

constexpr NameTable<PaymentState, 3> kPaymentStates = {{PaymentState::kCredited, "credited"},
                                                       {PaymentState::kMismatch, "mismatch"},
                                                       {PaymentState::kRefunded, "refunded"}};

}  // namespace

const char* OrderKindName(OrderKind kind) { return NameIn(kOrderKinds, kind); }
std::optional<OrderKind> ParseOrderKind(const std::string& name) {
  return ValueIn(kOrderKinds, name);
}

const char* OrderStateName(OrderState state) { return NameIn(kOrderStates, state); }
std::optional<OrderState> ParseOrderState(const std::string& name) {
  return ValueIn(kOrderStates, name);
}

const char* PaymentStateName(PaymentState state) { return NameIn(kPaymentStates, state); }
std::optional<PaymentState> ParsePaymentState(const std::string& name) {
  return ValueIn(kPaymentStates, name);
}

}  // namespace vpnhub
