// The pay step shared by buying and extending: after the tariff, the offered providers and "I
// have a promo code"; the code typed in reply (awaited in the database, so a restart or another
// instance takes it); the order and its invoice. BillingService prices every order from the
// configuration and checks every id again.
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

constexpr i18n::Phrase kHavePromo = {"🎟 I have a promo code",
                                     "🎟 У меня есть промокод"};
constexpr i18n::Phrase kTypePromo = {
    "🎟 Send your promo code in a message. Or pay without one:",
    "🎟 Отправьте промокод сообщением. Или оплатите без "
    "него:"};
constexpr i18n::Phrase kPromoUnknown = {
    "🎟 There is no such promo code. Check it and send it again, or pay without a code:",
    "🎟 Такого промокода нет. Проверьте его и отправьте ещё раз "
    "или "
    "оплатите "
    "без "
    "кода:"};
constexpr i18n::Phrase kPromoUnusable = {
    "🎟 This promo code cannot be used: it has ended, is used up or you have used it already. "
    "Send another one, or pay without a code:",
    "🎟 Этот промокод нельзя использовать: срок истёк, лимит исчерпан "
    "или "
    "вы "
    "его "
    "уже "
    "использовали. Отправьте другой или оплатите без кода:"};
constexpr i18n::Phrase kPromoApplied = {"🎟 Promo code applied:",
                                        "🎟 Промокод применён:"};
constexpr i18n::Phrase kBonusDays = {"days more", "дн. в подарок"};
constexpr i18n::Phrase kChoiceGone = {
    "This choice is no longer available. Please start again from the menu.",
    "Этот выбор больше недоступен. Начните заново из меню."};
constexpr i18n::Phrase kPayByLink = {"💳 Pay", "💳 Оплатить"};
constexpr i18n::Phrase kInvoiceReady = {
    "Your invoice is ready: tap Pay and pay within the time shown. Your key comes here as soon as "
    "the payment is confirmed.",
    "Счёт готов: нажмите «Оплатить» и оплатите в указанный срок. Ключ придёт сюда, как только "
    "оплата подтвердится."};
constexpr i18n::Phrase kPaymentServiceDown = {
    "The payment service is not answering right now. Your order is kept: try again in a minute.",
    "Платёжный сервис сейчас не отвечает. Заказ сохранён: попробуйте ещё раз через минуту."};
constexpr i18n::Phrase kTryAgain = {"🔁 Try again", "🔁 Попробовать снова"};

InlineButton Button(std::string text, const CallbackData& data) {
  return InlineButton{std::move(text), FormatCallbackData(data), ""};
}

bool IsExtend(const PayChoice& choice) { return choice.kind == OrderKind::kExtend; }

CallbackData TariffData(const PayChoice& choice) {
  return WithIds(IsExtend(choice) ? CallbackAction::kExtendTariff : CallbackAction::kBuyTariff,
                 choice.target, choice.months);
}

usecases::OrderRequest RequestFor(Conversation& c, const PayChoice& choice,
                                  const std::string& provider, const std::string& promo) {
  usecases::OrderRequest r;
  r.tg_id = c.tg_id();
  r.kind = choice.kind;
  (IsExtend(choice) ? r.key_id : r.location_id) = choice.target;
  r.months = static_cast<int>(choice.months);
  r.provider = provider;
  r.promo_code = promo;
  return r;
}

// The tariff of `choice` through the n-th offered provider (1-based), per provider.
struct ProviderTariff {
  std::int64_t number = 0;
  std::string provider;
  TariffOffer tariff;
};

std::vector<ProviderTariff> ProviderTariffs(Conversation& c, std::int64_t months) {
  std::vector<ProviderTariff> out;
  const auto providers = c.billing()->OfferedProviders();
  for (std::size_t i = 0; i < providers.size(); ++i) {
    for (const TariffOffer& t : c.billing()->Tariffs(providers[i])) {
      if (t.months == months) out.push_back({static_cast<std::int64_t>(i + 1), providers[i], t});
    }
  }
  return out;
}

// The providers' buttons for `choice`, "I have a promo code" when `with_promo`, then "Back".
InlineKeyboard PayKeyboard(Conversation& c, const PayChoice& choice, bool with_promo) {
  InlineKeyboard kb;
  const CallbackAction pay =
      IsExtend(choice) ? CallbackAction::kExtendProvider : CallbackAction::kBuyProvider;
  for (const ProviderTariff& p : ProviderTariffs(c, choice.months)) {
    kb.push_back({Button(c.billing()->ProviderLabel(p.provider) + " — " +
                             texts::Amount(p.tariff.price, p.tariff.currency),
                         WithIds(pay, choice.target, choice.months, p.number))});
  }
  if (with_promo) {
    const CallbackAction promo =
        IsExtend(choice) ? CallbackAction::kExtendPromo : CallbackAction::kBuyPromo;
    kb.push_back(
        {Button(i18n::T(c.lang(), kHavePromo), WithIds(promo, choice.target, choice.months))});
  }
  kb.push_back(BackKeyboard(c.lang()).front());
  return kb;
}

// What the choice is about (the location's name, or the key), or nullopt when it means nothing
// now: a location without free capacity, a key that is not the person's or does not run, months
// that are no tariff.
Result<std::optional<std::string>> ChoiceTitle(Conversation& c, const PayChoice& choice) {
  if (c.billing() == nullptr || choice.months <= 0 || choice.months > kMaxTariffMonths ||
      ProviderTariffs(c, choice.months).empty()) {
    return std::optional<std::string>();
  }
  if (IsExtend(choice)) {
    VPNHUB_ASSIGN_OR_RETURN(auto view, UsableKey(c, choice.target));
    if (!view) return std::optional<std::string>();
    return std::optional<std::string>("#" + std::to_string(view->key.id) + " · " +
                                      view->location.name);
  }
  VPNHUB_ASSIGN_OR_RETURN(auto location, OfferedLocation(c, choice.target));
  if (!location) return std::optional<std::string>();
  return std::optional<std::string>(location->name);
}

std::string PromoLine(std::string_view lang, const PromoCode& promo) {
  std::string out = i18n::T(lang, kPromoApplied) + " " + promo.code;
  if (promo.percent > 0) out += " −" + std::to_string(promo.percent) + "%";
  if (promo.bonus_days > 0)
    out += " +" + std::to_string(promo.bonus_days) + " " + i18n::T(lang, kBonusDays);
  return out;
}

// The order for `request`, or nullopt after telling the person why there is none.
Result<std::optional<Order>> CreateOrderOrSay(Conversation& c,
                                              const usecases::OrderRequest& request) {
  auto order = c.billing()->CreateOrder(request);
  if (order.ok()) return std::optional<Order>(*order);
  switch (order.status().code()) {
    case StatusCode::kNotFound:
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
      VPNHUB_RETURN_IF_ERROR(c.Outdated());
      return std::optional<Order>();
    case StatusCode::kResourceExhausted:
      VPNHUB_RETURN_IF_ERROR(
          c.Say(i18n::Format(c.lang(), Text::kLocationFull,
                             {{"location", "#" + std::to_string(request.location_id)}})));
      return std::optional<Order>();
    default:
      return order.status();
  }
}

}  // namespace

std::string TariffLabel(const std::string& lang, const TariffOffer& t) {
  constexpr i18n::Phrase kPerMonth = {"month", "мес."};
  constexpr i18n::Phrase kSaving = {"save", "выгода"};
  std::string out = texts::Months(lang, t.months) + " — " + texts::Amount(t.price, t.currency);
  if (t.months > 1) {
    out += " (" + texts::Amount(t.per_month, t.currency) + "/" + i18n::T(lang, kPerMonth);
    if (t.saving_percent > 0)
      out += ", " + i18n::T(lang, kSaving) + " " + std::to_string(t.saving_percent) + "%";
    out += ")";
  }
  return out;
}

InlineKeyboard TariffKeyboard(Conversation& c, CallbackAction action, Id id) {
  InlineKeyboard kb;
  const auto providers = c.billing()->OfferedProviders();
  for (const TariffOffer& t :
       providers.empty() ? std::vector<TariffOffer>{} : c.billing()->Tariffs(providers.front())) {
    kb.push_back({Button(TariffLabel(c.lang(), t), WithIds(action, id, t.months))});
  }
  kb.push_back(BackKeyboard(c.lang()).front());
  return kb;
}

Status PayOrder(Conversation& c, Id order_id) {
  if (c.billing() == nullptr) return c.Outdated();
  auto invoice = c.billing()->Invoice(c.tg_id(), order_id);
  if (!invoice.ok()) {
    const StatusCode code = invoice.status().code();
    if (code == StatusCode::kFailedPrecondition || code == StatusCode::kNotFound)
      return c.Outdated();
    if (code == StatusCode::kUnavailable || code == StatusCode::kDeadlineExceeded ||
        code == StatusCode::kPermissionDenied) {
      // The provider's API is down or refuses our credentials: the order stays payable.
      InlineKeyboard kb{
          {Button(i18n::T(c.lang(), kTryAgain), WithId(CallbackAction::kPayOrder, order_id))}};
      return c.Say(i18n::EscapeHtml(i18n::T(c.lang(), kPaymentServiceDown)), std::move(kb));
    }
    return invoice.status();
  }
  if (invoice->via == ports::InvoiceRequest::Via::kPaymentLink) {
    InlineKeyboard kb{{InlineButton{i18n::T(c.lang(), kPayByLink), "", invoice->url}}};
    return c.Say(i18n::EscapeHtml(i18n::T(c.lang(), kInvoiceReady)), std::move(kb));
  }
  return Status::Ok();  // the invoice is in the chat already
}

Status SendOrderInvoice(Conversation& c, const usecases::OrderRequest& request) {
  if (c.billing() == nullptr) return c.Outdated();
  VPNHUB_ASSIGN_OR_RETURN(auto order, CreateOrderOrSay(c, request));
  return order ? PayOrder(c, order->id) : Status::Ok();
}

Status ShowPayStep(Conversation& c, const PayChoice& choice) {
  VPNHUB_ASSIGN_OR_RETURN(auto title, ChoiceTitle(c, choice));
  if (!title) return c.Outdated();
  const std::string tariff = TariffLabel(c.lang(), ProviderTariffs(c, choice.months)[0].tariff);
  return c.Say(i18n::EscapeHtml(*title) + "\n" + i18n::EscapeHtml(tariff) + "\n" +
                   i18n::EscapeHtml(i18n::T(c.lang(), kChooseProvider)),
               PayKeyboard(c, choice, /*with_promo=*/true));
}

Status PayThrough(Conversation& c, const PayChoice& choice, std::int64_t provider) {
  VPNHUB_ASSIGN_OR_RETURN(auto title, ChoiceTitle(c, choice));
  if (!title) return c.Outdated();
  for (const ProviderTariff& p : ProviderTariffs(c, choice.months)) {
    if (p.number == provider) return SendOrderInvoice(c, RequestFor(c, choice, p.provider, ""));
  }
  return c.Outdated();
}

Status AskPromo(Conversation& c, const PayChoice& choice) {
  VPNHUB_ASSIGN_OR_RETURN(auto title, ChoiceTitle(c, choice));
  if (!title) return c.Outdated();
  VPNHUB_RETURN_IF_ERROR(c.service().Await(c.tg_id(), FormatCallbackData(TariffData(choice)),
                                           c.Now() + c.billing()->config().order_ttl));
  return c.Say(i18n::EscapeHtml(i18n::T(c.lang(), kTypePromo)),
               PayKeyboard(c, choice, /*with_promo=*/false));
}

bool AwaitsInput(const User& user, Time now) {
  return !user.awaiting.empty() && now < user.awaiting_until;
}

Status TakeTypedInput(Conversation& c, std::string_view text) {
  const std::string awaited = c.user().awaiting;
  auto data = ParseCallbackData(awaited);
  std::optional<PayChoice> choice;
  if (data && data->action == CallbackAction::kBuyTariff)
    choice = PayChoice{OrderKind::kNewKey, data->id, data->id2};
  if (data && data->action == CallbackAction::kExtendTariff)
    choice = PayChoice{OrderKind::kExtend, data->id, data->id2};
  std::optional<std::string> title;
  if (choice) {
    VPNHUB_ASSIGN_OR_RETURN(title, ChoiceTitle(c, *choice));
  }
  if (!title) {
    VPNHUB_RETURN_IF_ERROR(c.service().TakeAwaited(c.tg_id(), awaited).status());
    return c.Say(i18n::EscapeHtml(i18n::T(c.lang(), kChoiceGone)), BackKeyboard(c.lang()));
  }
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.remove_suffix(1);
  const std::string code(text.substr(0, 64));
  auto promo = c.billing()->CheckPromo(c.tg_id(), code);
  if (!promo.ok()) {
    const StatusCode sc = promo.status().code();
    if (sc != StatusCode::kNotFound && sc != StatusCode::kInvalidArgument &&
        sc != StatusCode::kFailedPrecondition) {
      return promo.status();
    }
    // Still awaited: the person may type another code, or pay without one.
    const i18n::Phrase& why =
        sc == StatusCode::kFailedPrecondition ? kPromoUnusable : kPromoUnknown;
    return c.Say(i18n::EscapeHtml(i18n::T(c.lang(), why)),
                 PayKeyboard(c, *choice, /*with_promo=*/false));
  }
  VPNHUB_ASSIGN_OR_RETURN(bool taken, c.service().TakeAwaited(c.tg_id(), awaited));
  if (!taken) return Status::Ok();  // another message of theirs, handled at once, took it
  VPNHUB_RETURN_IF_ERROR(c.Say(i18n::EscapeHtml(PromoLine(c.lang(), *promo))));
  const auto offers = ProviderTariffs(c, choice->months);
  if (offers.size() == 1)
    return SendOrderInvoice(c, RequestFor(c, *choice, offers[0].provider, promo->code));
  // Several providers: one order each at its promo price; the buttons carry the order ids.
  InlineKeyboard kb;
  for (const ProviderTariff& p : offers) {
    VPNHUB_ASSIGN_OR_RETURN(auto order,
                            CreateOrderOrSay(c, RequestFor(c, *choice, p.provider, promo->code)));
    if (!order) return Status::Ok();
    kb.push_back({Button(c.billing()->ProviderLabel(p.provider) + " — " +
                             texts::Amount(order->amount, order->currency),
                         WithId(CallbackAction::kPayOrder, order->id))});
  }
  kb.push_back(BackKeyboard(c.lang()).front());
  return c.Say(i18n::EscapeHtml(i18n::T(c.lang(), kChooseProvider)), std::move(kb));
}

}  // namespace vpnhub::bot::user
