// BillingService's promo codes as the operator manages them (vpnhub promo add / list / disable).
#include "core/usecases/billing_internal.hpp"
#include "core/usecases/billing_service.hpp"

namespace vpnhub::usecases {

using billing_internal::NormalizeCode;

namespace {

// What is wrong with a promo as the operator asked for it, or "" when nothing is.
std::string PromoProblem(const PromoCode& p, Time now) {
  if (p.code.size() < kPromoCodeMinLength || p.code.size() > kPromoCodeMaxLength) {
    return "a promo code has " + std::to_string(kPromoCodeMinLength) + ".." +
           std::to_string(kPromoCodeMaxLength) + " characters, got " +
           std::to_string(p.code.size());
  }
  for (char c : p.code) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return "a promo code has only letters A-Z, digits, '_' and '-'";
  }
  if ((p.percent != 0) == (p.bonus_days != 0)) return "give exactly one of a percent or days";
  if (p.percent != 0 && (p.percent < 1 || p.percent > 100)) return "percent must be 1..100";
  if (p.bonus_days != 0 && (p.bonus_days < 1 || p.bonus_days > kPromoMaxBonusDays)) {
    return "days must be 1.." + std::to_string(kPromoMaxBonusDays);
  }
  if (p.max_uses < 0 || p.max_uses > kPromoMaxUses) {
    return "max uses must be 0.." + std::to_string(kPromoMaxUses);
  }
  if (p.valid_until && *p.valid_until <= now) return "the end date has passed";
  return "";
}

}  // namespace

Result<PromoCode> BillingService::AddPromo(PromoCode promo) {
  const Time now = clock_.Now();
  promo.code = NormalizeCode(promo.code);
  promo.id = 0;
  promo.uses = 0;
  promo.enabled = true;
  promo.created_at = now;
  if (std::string problem = PromoProblem(promo, now); !problem.empty()) {
    return InvalidArgument(problem);
  }
  VPNHUB_RETURN_IF_ERROR(store_.Write([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto existing, tx.billing().FindPromo(promo.code));
    if (existing) return AlreadyExists("promo code " + promo.code + " exists");
    VPNHUB_ASSIGN_OR_RETURN(promo.id, tx.billing().InsertPromo(promo));
    return Status::Ok();
  }));
  return promo;
}

Result<std::vector<PromoCode>> BillingService::Promos() {
  std::vector<PromoCode> out;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(out, tx.billing().ListPromos());
    return Status::Ok();
  }));
  return out;
}

Status BillingService::DisablePromo(const std::string& code) {
  return store_.Write(
      [&](ports::StoreTx& tx) -> Status { return tx.billing().DisablePromo(NormalizeCode(code)); });
}

}  // namespace vpnhub::usecases
