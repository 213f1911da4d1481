#include "core/ports/payment_provider.hpp"

namespace vpnhub::ports {
namespace {

bool SameAsciiIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::string_view PaymentNotice::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (SameAsciiIgnoringCase(k, name)) return v;
  }
  return {};
}

Result<NoticeVerdict> PaymentProvider::ReadNotice(const PaymentNotice&) {
  return FailedPrecondition(Name() + " takes no payment notices over HTTP");
}

Result<PaymentCheck> PaymentProvider::CheckOrder(const Order&) {
  return FailedPrecondition(Name() + " cannot be asked about an order");
}

}  // namespace vpnhub::ports
