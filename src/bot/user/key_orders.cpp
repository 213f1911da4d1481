// Extending and switching a key from 🔑 My keys. Extend: the tariffs for the key, then the pay
// step (pay.cpp). Switch: the other locations with free capacity and the free switches left;
// while one is left the switch is free (BillingService::SwitchFree), else it is an order at the
// configured switch price. The buttons carry ids only; each is checked again here (the key is
// the person's and runs, the location has room) and by BillingService.
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

constexpr i18n::Phrase kExtendFor = {"⏳ Extend the key for how long?",
                                     "⏳ На какой срок продлить ключ?"};
constexpr i18n::Phrase kSwitchWhere = {"🔁 Where should the key move?",
                                       "🔁 В какую локацию перенести ключ?"};
constexpr i18n::Phrase kFreeSwitchesLeft = {"Free switches left:", "Бесплатных смен осталось:"};
constexpr i18n::Phrase kSwitchCosts = {"A switch costs", "Смена стоит"};
constexpr i18n::Phrase kNoOtherLocation = {
    "No other location has room right now. Please try later.",
    "В других локациях сейчас нет мест. Попробуйте позже."};
constexpr i18n::Phrase kNoSwitchLeft = {
    "No free switch is left on this key, and paid switches are not sold.",
    "Бесплатные смены для этого ключа закончились, а платная смена не продаётся."};

std::string KeyTitle(const usecases::KeyView& view) {
  return "#" + std::to_string(view.key.id) + " · " + view.location.name;
}

// The providers (1-based number, name, price) that sell paid switches.
struct SwitchOffer {
  std::int64_t number = 0;
  std::string provider;
  std::int64_t price = 0;
  std::string currency;
};

std::vector<SwitchOffer> SwitchOffers(usecases::BillingService& b) {
  std::vector<SwitchOffer> out;
  const auto providers = b.OfferedProviders();
  for (std::size_t i = 0; i < providers.size(); ++i) {
    auto price = b.SwitchPrice(providers[i]);
    auto tariffs = b.Tariffs(providers[i]);
    if (price && !tariffs.empty()) {
      out.push_back(
          {static_cast<std::int64_t>(i + 1), providers[i], *price, tariffs.front().currency});
    }
  }
  return out;
}

// The free switches left on the person's key; nullopt when the key is not theirs.
Result<std::optional<int>> FreeSwitches(Conversation& c, Id key_id) {
  auto left = c.billing()->FreeSwitchesLeft(c.tg_id(), key_id);
  if (left.ok()) return std::optional<int>(*left);
  if (left.status().code() == StatusCode::kNotFound) return std::optional<int>();
  return left.status();
}

// The key and the target location when both still mean something: the person's running key and
// another location with free capacity.
struct SwitchTarget {
  usecases::KeyView key;
  Location location;
};

Result<std::optional<SwitchTarget>> CheckSwitch(Conversation& c, Id key_id, Id location_id) {
  if (c.billing() == nullptr) return std::optional<SwitchTarget>();
  VPNHUB_ASSIGN_OR_RETURN(auto view, UsableKey(c, key_id));
  if (!view || view->location.id == location_id) return std::optional<SwitchTarget>();
  VPNHUB_ASSIGN_OR_RETURN(auto location, OfferedLocation(c, location_id));
  if (!location) return std::optional<SwitchTarget>();
  return std::optional<SwitchTarget>(SwitchTarget{std::move(*view), std::move(*location)});
}

usecases::OrderRequest SwitchRequest(Conversation& c, Id key_id, Id location_id,
                                     const std::string& provider) {
  usecases::OrderRequest r;
  r.tg_id = c.tg_id();
  r.kind = OrderKind::kSwitch;
  r.key_id = key_id;
  r.location_id = location_id;
  r.provider = provider;
  return r;
}

}  // namespace

Status ShowExtendTariffs(Conversation& c, Id key_id) {
  if (c.billing() == nullptr) return c.Outdated();
  VPNHUB_ASSIGN_OR_RETURN(auto view, UsableKey(c, key_id));
  if (!view || c.billing()->OfferedProviders().empty()) return c.Outdated();
  InlineKeyboard kb = TariffKeyboard(c, CallbackAction::kExtendTariff, key_id);
  return c.Say(
      i18n::EscapeHtml(KeyTitle(*view)) + "\n" + i18n::EscapeHtml(i18n::T(c.lang(), kExtendFor)),
      std::move(kb));
}

Status ShowSwitchLocations(Conversation& c, Id key_id) {
  if (c.billing() == nullptr) return c.Outdated();
  VPNHUB_ASSIGN_OR_RETURN(auto view, UsableKey(c, key_id));
  if (!view) return c.Outdated();
  VPNHUB_ASSIGN_OR_RETURN(auto left, FreeSwitches(c, key_id));
  if (!left) return c.Outdated();
  std::string text = i18n::EscapeHtml(KeyTitle(*view)) + "\n";
  const auto offers = SwitchOffers(*c.billing());
  if (*left == 0 && offers.empty())
    return c.Say(text + i18n::EscapeHtml(i18n::T(c.lang(), kNoSwitchLeft)), BackKeyboard(c.lang()));
  VPNHUB_ASSIGN_OR_RETURN(auto options, c.service().LocationsWithCapacity());
  std::erase_if(options, [&](const auto& o) { return o.location.id == view->location.id; });
  if (options.empty())
    return c.Say(text + i18n::EscapeHtml(i18n::T(c.lang(), kNoOtherLocation)),
                 BackKeyboard(c.lang()));
  text += i18n::EscapeHtml(i18n::T(c.lang(), kFreeSwitchesLeft)) + " " + std::to_string(*left);
  if (*left == 0) {
    text += "\n" + i18n::EscapeHtml(i18n::T(c.lang(), kSwitchCosts) + " " +
                                    texts::Amount(offers[0].price, offers[0].currency));
  }
  InlineKeyboard kb;
  for (const auto& o : options) {
    kb.push_back({InlineButton{
        o.location.name,
        FormatCallbackData(WithIds(CallbackAction::kSwitchTo, key_id, o.location.id)), ""}});
  }
  kb.push_back(BackKeyboard(c.lang()).front());
  return c.Say(text + "\n" + i18n::EscapeHtml(i18n::T(c.lang(), kSwitchWhere)), std::move(kb));
}

Status SwitchTo(Conversation& c, Id key_id, Id location_id) {
  VPNHUB_ASSIGN_OR_RETURN(auto target, CheckSwitch(c, key_id, location_id));
  if (!target) return c.Outdated();
  VPNHUB_ASSIGN_OR_RETURN(auto left, FreeSwitches(c, key_id));
  if (!left) return c.Outdated();
  if (*left > 0) {
    // The new key is announced when active (with its link); SwitchFree tells the person now.
    auto issued = c.billing()->SwitchFree(c.tg_id(), key_id, location_id);
    if (issued.ok()) return Status::Ok();
    switch (issued.status().code()) {
      case StatusCode::kNotFound:
      case StatusCode::kFailedPrecondition:  // a second tap: the key was switched already
        return c.Outdated();
      case StatusCode::kResourceExhausted:
        return c.Say(
            i18n::Format(c.lang(), Text::kLocationFull, {{"location", target->location.name}}));
      default:
        return issued.status();
    }
  }
  const auto offers = SwitchOffers(*c.billing());
  if (offers.empty()) return c.Outdated();
  if (offers.size() == 1)
    return SendOrderInvoice(c, SwitchRequest(c, key_id, location_id, offers[0].provider));
  InlineKeyboard kb;
  for (const SwitchOffer& o : offers) {
    kb.push_back({InlineButton{
        o.provider + " — " + texts::Amount(o.price, o.currency),
        FormatCallbackData(WithIds(CallbackAction::kSwitchProvider, key_id, location_id, o.number)),
        ""}});
  }
  kb.push_back(BackKeyboard(c.lang()).front());
  return c.Say(i18n::EscapeHtml(i18n::T(c.lang(), kChooseProvider)), std::move(kb));
}

Status SwitchThrough(Conversation& c, Id key_id, Id location_id, std::int64_t provider) {
  VPNHUB_ASSIGN_OR_RETURN(auto target, CheckSwitch(c, key_id, location_id));
  if (!target) return c.Outdated();
  for (const SwitchOffer& o : SwitchOffers(*c.billing())) {
    // CreateOrder refuses a switch that is still free (kFailedPrecondition: out of date).
    if (o.number == provider)
      return SendOrderInvoice(c, SwitchRequest(c, key_id, location_id, o.provider));
  }
  return c.Outdated();
}

}  // namespace vpnhub::bot::user
