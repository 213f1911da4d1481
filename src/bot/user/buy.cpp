// Buying a key: location (with free capacity) -> tariff -> provider (asked only when several are
// offered) -> the invoice. The buttons carry ids only; BillingService prices the order from the
// configuration and checks every id again.
#include <algorithm>
#include <string>
#include <vector>

#include "bot/callback_data.hpp"
#include "bot/handlers.hpp"
#include "bot/i18n/i18n.hpp"
#include "core/usecases/billing_texts.hpp"

namespace vpnhub::bot::user {

using i18n::Text;
namespace texts = usecases::billing_texts;

namespace {

constexpr i18n::Phrase kNothingForSale = {"Nothing is on sale right now. Please try later.",
                                          "Сейчас ничего не продаётся. Попробуйте позже."};
constexpr i18n::Phrase kChooseBuyLocation = {"🛒 Where should your new key be?",
                                             "🛒 Где будет ваш новый ключ?"};
constexpr i18n::Phrase kChooseTariff = {"🛒 For how long?", "🛒 На какой срок?"};
constexpr i18n::Phrase kChooseProvider = {"🛒 How would you like to pay?",
                                          "🛒 Как вы хотите оплатить?"};
constexpr i18n::Phrase kPerMonth = {"month", "мес."};
constexpr i18n::Phrase kSaving = {"save", "выгода"};
constexpr i18n::Phrase kPayByLink = {"💳 Pay", "💳 Оплатить"};
constexpr i18n::Phrase kInvoiceReady = {"Your invoice is ready: pay it within the time shown.",
                                        "Счёт готов: оплатите его в указанный срок."};

// "3 months — 250 ⭐ (83 ⭐/month, save 16%)", plain.
std::string TariffLabel(const std::string& lang, const TariffOffer& t) {
  std::string out = texts::Months(lang, t.months) + " — " + texts::Amount(t.price, t.currency);
  if (t.months > 1) {
    out += " (" + texts::Amount(t.per_month, t.currency) + "/" + i18n::T(lang, kPerMonth);
    if (t.saving_percent > 0)
      out += ", " + i18n::T(lang, kSaving) + " " + std::to_string(t.saving_percent) + "%";
    out += ")";
  }
  return out;
}

// The location among those with free capacity now, or nullopt (a stale or forged button).
Result<std::optional<Location>> OfferedLocation(Conversation& c, Id location_id) {
  VPNHUB_ASSIGN_OR_RETURN(auto options, c.service().LocationsWithCapacity());
  for (const auto& o : options) {
    if (o.location.id == location_id) return std::optional<Location>(o.location);
  }
  return std::optional<Location>();
}

std::optional<TariffOffer> FindTariff(usecases::BillingService& b, const std::string& provider,
                                      int months) {
  for (const TariffOffer& t : b.Tariffs(provider)) {
    if (t.months == months) return t;
  }
  return std::nullopt;
}

Status SendInvoice(Conversation& c, Id location_id, int months, const std::string& provider) {
  usecases::BillingService& b = *c.billing();
  usecases::OrderRequest request;
  request.tg_id = c.tg_id();
  request.kind = OrderKind::kNewKey;
  request.location_id = location_id;
  request.months = months;
  request.provider = provider;
  auto order = b.CreateOrder(request);
  if (!order.ok()) {
    switch (order.status().code()) {
      case StatusCode::kNotFound:
      case StatusCode::kInvalidArgument:
      case StatusCode::kFailedPrecondition:
        return c.Outdated();
      case StatusCode::kResourceExhausted:
        return c.Say(i18n::Format(c.lang(), Text::kLocationFull,
                                  {{"location", "#" + std::to_string(location_id)}}));
      default:
        return order.status();
    }
  }
  auto invoice = b.Invoice(c.tg_id(), order->id);
  if (!invoice.ok()) {
    if (invoice.status().code() == StatusCode::kFailedPrecondition) return c.Outdated();
    return invoice.status();
  }
  if (invoice->via == ports::InvoiceRequest::Via::kPaymentLink) {
    InlineKeyboard kb{{InlineButton{i18n::T(c.lang(), kPayByLink), "", invoice->url}}};
    return c.Say(i18n::EscapeHtml(i18n::T(c.lang(), kInvoiceReady)), std::move(kb));
  }
  return Status::Ok();  // the invoice is in the chat already
}

}  // namespace

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
  const auto providers = c.billing()->OfferedProviders();
  if (!location || providers.empty()) return c.Outdated();
  InlineKeyboard kb;
  // The first provider's prices; a later screen shows each provider's when several are offered.
  for (const TariffOffer& t : c.billing()->Tariffs(providers.front())) {
    kb.push_back({InlineButton{
        TariffLabel(c.lang(), t),
        FormatCallbackData(WithIds(CallbackAction::kBuyTariff, location_id, t.months)), ""}});
  }
  kb.push_back(BackKeyboard(c.lang()).front());
  return c.Say(
      i18n::EscapeHtml(location->name) + "\n" + i18n::EscapeHtml(i18n::T(c.lang(), kChooseTariff)),
      std::move(kb));
}

Status BuyTariff(Conversation& c, Id location_id, std::int64_t months) {
  if (c.billing() == nullptr || months <= 0 || months > 1200) return c.Outdated();
  const auto providers = c.billing()->OfferedProviders();
  if (providers.size() == 1)
    return SendInvoice(c, location_id, static_cast<int>(months), providers[0]);
  InlineKeyboard kb;
  for (std::size_t i = 0; i < providers.size(); ++i) {
    auto t = FindTariff(*c.billing(), providers[i], static_cast<int>(months));
    if (!t) continue;
    kb.push_back(
        {InlineButton{providers[i] + " — " + texts::Amount(t->price, t->currency),
                      FormatCallbackData(WithIds(CallbackAction::kBuyProvider, location_id, months,
                                                 static_cast<std::int64_t>(i + 1))),
                      ""}});
  }
  if (kb.empty()) return c.Outdated();
  kb.push_back(BackKeyboard(c.lang()).front());
  return c.Say(i18n::EscapeHtml(i18n::T(c.lang(), kChooseProvider)), std::move(kb));
}

Status BuyThrough(Conversation& c, Id location_id, std::int64_t months, std::int64_t provider) {
  if (c.billing() == nullptr || months <= 0 || months > 1200) return c.Outdated();
  const auto providers = c.billing()->OfferedProviders();
  if (provider < 1 || provider > static_cast<std::int64_t>(providers.size())) return c.Outdated();
  return SendInvoice(c, location_id, static_cast<int>(months),
                     providers[static_cast<std::size_t>(provider - 1)]);
}

}  // namespace vpnhub::bot::user
