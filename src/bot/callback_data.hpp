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
//   p:<location id>.<months>                      buy: this tariff (asks the provider when
//                                                 several are offered, else sends the invoice)
//   v:<location id>.<months>.<provider number>    buy: this tariff through the n-th offered
//                                                 provider (1-based), then the invoice
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vpnhub::bot {

enum class CallbackAction {
  kMenu,           // m:<button>
  kTrialLocation,  // t:<id>
  kShowKey,        // k:<id>
  kSetLanguage,    // l:<lang>
  kRecheckFollow,  // f:check
  kAdminRefresh,   // a:refresh
  kBuyLocation,    // b:<location id>
  kBuyTariff,      // p:<location id>.<months>
  kBuyProvider,    // v:<location id>.<months>.<provider number>
};

struct CallbackData {
  CallbackAction action = CallbackAction::kMenu;
  std::int64_t id = 0;   // kTrialLocation, kBuy*: location id; kShowKey: key id; otherwise 0
  std::string word;      // kMenu: the button; kSetLanguage: "en" or "ru"; otherwise empty
  std::int64_t id2 = 0;  // kBuyTariff, kBuyProvider: months
  std::int64_t id3 = 0;  // kBuyProvider: the provider's number

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
