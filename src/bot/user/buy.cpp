// Buying a key: location (with free capacity) -> tariff -> the pay step (pay.cpp: providers, an
// optional promo code) -> the invoice. The buttons carry ids only; BillingService prices the
// order from the configuration and checks every id again.
#include <string>
#include <vector>

#include "bot/callback_data.hpp"
#include "bot/handlers.hpp"
#include "bot/i18n/i18n.hpp"

namespace vpnhub::bot::user {

using i18n::Text;

namespace {

constexpr i18n::Phrase kNothingForSale = {"Nothing is on sale right now. Please try later.",
                                          "Сейчас ничего не продаётся. Попробуйте позже."};
constexpr i18n::Phrase kChooseBuyLocation = {"🛒 Where should your new key be?",
                                             "🛒 Где будет ваш новый ключ?"};
constexpr i18n::Phrase kChooseTariff = {"🛒 For how long?", "🛒 На какой срок?"};

}  // namespace

Result<std::optional<Location>> OfferedLocation(Conversation& c, Id location_id) {
  VPNHUB_ASSIGN_OR_RETURN(auto options, c.service().LocationsWithCapacity());
  for (const auto& o : options) {
    if (o.location.id == location_id) return std::optional<Location>(o.location);
  }
  return std::optional<Location>();
}

Status ShowBuyLocations(Conversation& c) {
  if (c.billing() == nullptr || c.billing()->OfferedProviders().empty())
    return c.Say(i18n::EscapeHtml(i18n::T(c.lang(), kNothingForSale)), BackKeyboard(c.lang()));
  VPNHUB_ASSIGN_OR_RETURN(auto options, c.service().LocationsWithCapacity());
  if (options.empty()) return c.Say(i18n::T(c.lang(), Text::kNoLocations));
  InlineKeyboard kb = LocationKeyboard(c.lang(), options, CallbackAction::kBuyLocation);
  return c.Say(i18n::EscapeHtml(i18n::T(c.lang(), kChooseBuyLocation)), std::move(kb));
}

Status ShowBuyTariffs(Conversation& c, Id location_id) {
  if (c.billing() == nullptr) return c.Outdated();
  VPNHUB_ASSIGN_OR_RETURN(auto location, OfferedLocation(c, location_id));
  if (!location || c.billing()->OfferedProviders().empty()) return c.Outdated();
  InlineKeyboard kb = TariffKeyboard(c, CallbackAction::kBuyTariff, location_id);
  return c.Say(
      i18n::EscapeHtml(location->name) + "\n" + i18n::EscapeHtml(i18n::T(c.lang(), kChooseTariff)),
      std::move(kb));
}

}  // namespace vpnhub::bot::user
