#pragma once
// The data carried by the bot's inline buttons. Telegram hands it back verbatim when a button is
// pressed, so it is untrusted input: anyone can send any callback_data they like. It therefore
// carries ids only (never a decision, price or permission), and every id is checked server-side
// by the use case that receives it.
//
// Wire format: a one-letter kind, ':', then either a positive decimal id or one word from a
// closed set:
//   m:<button>                                    a command's main-menu button; the words are
//                                                 the command table's (commands.cpp): main,
//                                                 trial, buy, keys, invite, help, lang,
//                                                 admin
//   t:<location id>                               take the trial in this location
//   k:<key id>                                    show this key's link again
//   l:en l:ru                                     switch the language
//   f:check                                       re-check channel membership
//   a:refresh                                     refresh the admin summary
//   b:<location id>                               buy: the tariffs for this location
//   p:<location id>.<months>                      buy: this tariff; the pay step (the offered
//                                                 providers and "I have a promo code")
//   v:<location id>.<months>.<provider number>    buy: this tariff through the n-th offered
//                                                 provider (1-based), then the invoice
//   c:<location id>.<months>                      buy: a promo code will be typed for this tariff
//   x:<key id>                                    extend: the tariffs for this key
//   e:<key id>.<months>                           extend: this tariff; the pay step
//   g:<key id>.<months>.<provider number>         extend: through the n-th provider, invoice
//   d:<key id>.<months>                           extend: a promo code will be typed
//   s:<key id>                                    switch: the other locations for this key
//   w:<key id>.<location id>                      switch to this location (free while free
//                                                 switches are left, else the paid order)
//   u:<key id>.<location id>.<provider number>    switch, paid through the n-th provider
//   o:<order id>                                  the invoice of this open order (after a promo
//                                                 code, when several providers are offered)
//   r:<user id>                                   ask before giving this person a new
//                                                 subscription link (only the person's own id
//                                                 means anything)
//   y:<user id>                                   confirmed: a new subscription link
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vpnhub::bot {

enum class CallbackAction {
  kMenu,                // m:<button>
  kTrialLocation,       // t:<id>
  kShowKey,             // k:<id>
  kSetLanguage,         // l:<lang>
  kRecheckFollow,       // f:check
  kAdminRefresh,        // a:refresh
  kBuyLocation,         // b:<location id>
  kBuyTariff,           // p:<location id>.<months>
  kBuyProvider,         // v:<location id>.<months>.<provider number>
  kBuyPromo,            // c:<location id>.<months>
  kExtendKey,           // x:<key id>
  kExtendTariff,        // e:<key id>.<months>
  kExtendProvider,      // g:<key id>.<months>.<provider number>
  kExtendPromo,         // d:<key id>.<months>
  kSwitchKey,           // s:<key id>
  kSwitchTo,            // w:<key id>.<location id>
  kSwitchProvider,      // u:<key id>.<location id>.<provider number>
  kPayOrder,            // o:<order id>
  kSubscriptionAsk,     // r:<user id>
  kSubscriptionRotate,  // y:<user id>
};

struct CallbackData {
  CallbackAction action = CallbackAction::kMenu;
  // kTrialLocation, kBuy*: location id; kShowKey, kExtend*, kSwitch*: key id; kPayOrder: order
  // id; kSubscription*: the person's user id (users.id, not the Telegram id); otherwise 0.
  std::int64_t id = 0;
  std::string word;  // kMenu: the button; kSetLanguage: "en" or "ru"; otherwise empty
  // kBuyTariff, kBuyProvider, kBuyPromo, kExtendTariff, kExtendProvider, kExtendPromo: months;
  // kSwitchTo, kSwitchProvider: location id.
  std::int64_t id2 = 0;
  std::int64_t id3 = 0;  // kBuyProvider, kExtendProvider, kSwitchProvider: the provider's number

  bool operator==(const CallbackData&) const = default;
};

// Telegram's limit on callback_data.
inline constexpr std::size_t kMaxCallbackDataBytes = 64;

// Strict: the whole string must be one of the forms above. Ids are 1..INT64_MAX written without
// sign, leading zeros or spaces. Anything else (unknown kind, button or word, missing or extra
// parts, empty, over 64 bytes) is nullopt.
std::optional<CallbackData> ParseCallbackData(std::string_view data);

// The wire form of `data`. Formatting a kind with an id <= 0, a button no command has or a
// language other than en/ru gives a string that ParseCallbackData rejects (a button that
// answers "out of date"), never one that means something else.
std::string FormatCallbackData(const CallbackData& data);

// Shorthands for building keyboards.
inline CallbackData MenuButton(std::string_view button) {
  return {CallbackAction::kMenu, 0, std::string(button), 0, 0};
}
inline CallbackData Action(CallbackAction action) { return {action, 0, "", 0, 0}; }
inline CallbackData WithId(CallbackAction action, std::int64_t id) {
  return {action, id, "", 0, 0};
}
inline CallbackData WithIds(CallbackAction action, std::int64_t id, std::int64_t id2,
                            std::int64_t id3 = 0) {
  return {action, id, "", id2, id3};
}
inline CallbackData Language(std::string lang) {
  return {CallbackAction::kSetLanguage, 0, std::move(lang), 0, 0};
}

}  // namespace vpnhub::bot
