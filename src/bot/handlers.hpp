#pragma once
// Internal to the bot: the flows, one function per thing a person can ask for. Each replies
// through the Conversation and returns a non-Ok Status only when it could not do its job (the
// database is down, ...): the router then counts the error and says "something went wrong".
// Authorisation is the router's: admin:: handlers assume the caller was checked.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/callback_data.hpp"
#include "bot/conversation.hpp"
#include "bot/i18n/i18n.hpp"
#include "core/billing.hpp"
#include "core/domain.hpp"
#include "core/status.hpp"
#include "core/usecases/billing_service.hpp"
#include "core/usecases/bot_service.hpp"

namespace vpnhub::bot::user {

// The main menu: the buttons of the command table (commands.cpp), admin-only ones when
// `with_admin`.
InlineKeyboard MainMenuKeyboard(std::string_view lang, bool with_admin);
// One "Back" button to the main menu.
InlineKeyboard BackKeyboard(std::string_view lang);
// One button per location (`action`:<location id>), then "Back".
InlineKeyboard LocationKeyboard(std::string_view lang,
                                const std::vector<usecases::LocationOption>& options,
                                CallbackAction action);

Status ShowWelcome(Conversation& c);
Status ShowMainMenu(Conversation& c);
Status ShowHelp(Conversation& c);
Status ShowUnknown(Conversation& c);

Status ShowLanguagePicker(Conversation& c);
Status ToggleLanguage(Conversation& c);
Status SwitchLanguage(Conversation& c, const std::string& lang);

Status ShowTrialLocations(Conversation& c);
Status StartTrialAt(Conversation& c, Id location_id);

Status ShowKeys(Conversation& c);
Status ShowKeyLink(Conversation& c, Id key_id);
// The person's key when it is theirs and runs now (active, not past its end); nullopt for any
// other id (someone else's, revoked, unknown: the caller answers "out of date").
Result<std::optional<usecases::KeyView>> UsableKey(Conversation& c, Id key_id);

// The subscription link (subscription.cpp, issue 18). Links are on when
// RouterOptions::subscription_url is set; the URL is always built from the person's own row.
bool SubscriptionLinksOn(const Conversation& c);
// The ownership check of the r:/y: buttons: `user_id` is the person's own user id.
bool OwnsSubscription(const Conversation& c, Id user_id);
// The link with its QR code and the "New subscription link" button; nothing when links are off.
Status ShowSubscription(Conversation& c);
// r:<user id>: asks before rotating; y:<user id>: rotates (BotService::RotateSubscription) and
// shows the new link. Links off, or someone else's id: "out of date", nothing changes.
Status AskRotateSubscription(Conversation& c, Id user_id);
Status RotateSubscription(Conversation& c, Id user_id);

// Buying a new key (buy.cpp): location -> tariff -> the pay step -> invoice.
Status ShowBuyLocations(Conversation& c);
Status ShowBuyTariffs(Conversation& c, Id location_id);
// The location when it is offered now (enabled, with free capacity); nullopt otherwise.
Result<std::optional<Location>> OfferedLocation(Conversation& c, Id location_id);

// The pay step shared by buy and extend (pay.cpp). A choice is a tariff for a new key in a
// location (kNewKey, target = location id) or for extending a key (kExtend, target = key id);
// every function checks it again (location offered, key usable, months a tariff) and answers
// "out of date" otherwise.
inline constexpr std::int64_t kMaxTariffMonths = 1200;
struct PayChoice {
  OrderKind kind = OrderKind::kNewKey;
  Id target = 0;
  std::int64_t months = 0;
};
// "3 months — 250 ⭐ (83 ⭐/month, save 16%)", plain.
std::string TariffLabel(const std::string& lang, const TariffOffer& t);
// One button per tariff at the first offered provider's prices (`action`:<id>.<months>), then
// "Back"; the pay step shows each provider's price.
InlineKeyboard TariffKeyboard(Conversation& c, CallbackAction action, Id id);
inline constexpr i18n::Phrase kChooseProvider = {"💳 How would you like to pay?",
                                                 "💳 Как вы хотите оплатить?"};
// The providers selling the tariff (one button each) and "I have a promo code".
Status ShowPayStep(Conversation& c, const PayChoice& choice);
// The order through the n-th offered provider (1-based) and its invoice.
Status PayThrough(Conversation& c, const PayChoice& choice, std::int64_t provider);
// Asks for the code: the person's next text message is taken as it (BotService::Await, until
// ORDER_TTL_SEC from now; a command or button press clears it).
Status AskPromo(Conversation& c, const PayChoice& choice);
// Whether the person's next text is awaited (TakeTypedInput) rather than an unknown command.
bool AwaitsInput(const User& user, Time now);
// The awaited promo code: checked (unknown / unusable: said so, still awaited, with the pay
// buttons to go on without it), then the order with it and its invoice (several providers: one
// order each, buttons o:<order id>).
Status TakeTypedInput(Conversation& c, std::string_view text);
// The invoice of the person's open order (o:<order id>).
Status PayOrder(Conversation& c, Id order_id);
// Creates (or finds, on a second tap) the order and sends its invoice; an order that cannot be
// made is answered "out of date" (or "location full").
Status SendOrderInvoice(Conversation& c, const usecases::OrderRequest& request);

// Extend and switch location from 🔑 My keys (key_orders.cpp).
Status ShowExtendTariffs(Conversation& c, Id key_id);
// The other locations with free capacity and the free switches left.
Status ShowSwitchLocations(Conversation& c, Id key_id);
// Free while free switches are left (SwitchFree), else the paid switch order: its invoice at
// once with one provider, the providers to choose from with several.
Status SwitchTo(Conversation& c, Id key_id, Id location_id);
Status SwitchThrough(Conversation& c, Id key_id, Id location_id, std::int64_t provider);

// The referral screen (referral.cpp): the person's invite link, how many they invited, how many
// of those paid, the days earned, and what inviter and invitee get.
Status ShowReferral(Conversation& c);

// The CHECK_FOLLOW gate's "join the channel" message with its join and re-check buttons.
Status ShowJoinChannel(Conversation& c);

}  // namespace vpnhub::bot::user

namespace vpnhub::bot::admin {

// The summary as Telegram HTML (servers beyond the first 40 are summed up in one line).
std::string RenderSummary(std::string_view lang, const usecases::AdminSummary& summary);
// The sales part of the summary (BillingService::Figures): revenue today and over 30 days by
// provider and currency, paid orders, and trial -> paid.
std::string RenderSales(std::string_view lang, const BillingFigures& figures);
Status ShowSummary(Conversation& c);

}  // namespace vpnhub::bot::admin
