#pragma once
// The bot's text catalogs (English and Russian) and the helpers that fill them in. Pure functions
// over constant tables: safe to call from any thread.
//
// Texts are Telegram HTML (parse_mode=HTML: <b>, <i>, <code>, <a href>), except the ones marked
// "plain" below (button labels and callback-query answers), which Telegram shows as typed.
// Placeholders are written {name}; the comment on each id lists the ones it uses.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.hpp"

namespace vpnhub::bot::i18n {

// Each id has a row, in the same order, in catalog.cpp's table; a static_assert there checks the
// order and that kButtonOutdated is the last id (update it when appending).
enum class Text {
  // Start and menu.
  kWelcome,   // {name}: the service name. Greeting plus a hint at the menu below.
  kMainMenu,  // Shown when going back to the main menu.
  // Button labels (plain). The main menu's are the command table's (bot/commands.cpp).
  kButtonBack,
  kButtonRecheckSubscription,
  kButtonJoinChannel,  // {channel}
  // Help and language.
  kHelp,            // {name}
  kChooseLanguage,  // The language picker's prompt.
  kLanguageName,  // (plain) the language's own name: "English", "Русский"; for picker buttons.
  kLanguageSwitched,
  // Trial and key delivery.
  kTrialsOff,
  kTrialAlreadyUsed,
  kChooseLocation,
  kNoLocations,     // No capacity in any location.
  kLocationFull,    // {location}
  kTrialPreparing,  // {location}
  kKeyReady,        // {location}, {expires}, {link_html}: the share link, shown in <code>.
  kKeyReadyShort,   // kKeyReady without the how-to, when a receipt before it leaves no room.
  // {location}, {expires}, {file}: a key delivered as a configuration file ({file} its name),
  // the caption of the QR photo of the file; the file follows as a document (kKeyConfigCaption).
  kKeyReadyConfig,
  // kKeyReadyConfig without the how-to, as kKeyReadyShort.
  kKeyReadyConfigShort,
  // {location}: caption of the configuration file's document.
  kKeyConfigCaption,
  kKeyCreateFailed,  // {location}: provisioning gave up; the user may try again later.
  kTrialKeyFailed,   // {location}: a trial key's provisioning gave up; the trial is free again.
  kBoughtKeyFailed,  // {location}: a paid key's provisioning gave up; support sets it up or
                     // refunds.
  kQrCaption,        // {location}: caption of the QR photo.
  // The user's keys.
  kMyKeysHeader,
  kNoKeys,
  kKeyLine,           // {id}, {location}, {state}, {left}: for keys that still have time.
  kKeyLineNoTime,     // {id}, {location}, {state}: for ended or failed keys.
  kKeyStatePending,   // (plain) key state words, to fill {state}
  kKeyStateActive,    // (plain)
  kKeyStateRevoking,  // (plain)
  kKeyStateRevoked,   // (plain)
  kKeyStateFailed,    // (plain)
  // Expiry.
  kExpiresIn3Days,  // {location}, {left}
  kExpiresIn1Day,   // {location}, {left}
  kKeyExpired,      // {location}
  // Channel-membership gate.
  kJoinChannel,         // {name}, {channel}, {channel_url}
  kStillNotSubscribed,  // (plain) {channel}: callback answer to the re-check button.
  // Admin summary.
  kAdminTitle,
  kAdminUsers,  // {total}, {today}
  kAdminKeys,   // {active}, {pending}, {revoking}, {failed}
  kAdminServersHeader,
  kAdminServerLine,  // {name}, {location}, {health}, {used}, {capacity}
  kAdminNoServers,
  kAdminTasks,      // {pending}, {failed}
  kAdminHealthy,    // (plain) word for {health}
  kAdminUnhealthy,  // (plain) word for {health}
  kAlertPrefix,
  kAlertsSuppressed,  // {count}
  // Errors and fallbacks.
  kNotAllowed,  // For non-admins trying admin commands: the same words as kUnknownCommand.
  kUnknownCommand,
  kGenericError,
  kSlowDown,        // The one reply to a person sending more updates than the flood guard allows.
  kButtonOutdated,  // (plain) callback-query answer, at most 200 characters.
};

// A text kept beside its only user instead of in the catalog: a command's menu description and
// button label sit in its row of the command table (bot/commands.cpp), so that adding a command
// leaves the catalog alone. Same rules as the catalog's texts.
struct Phrase {
  const char* en = "";
  const char* ru = "";
};

// Every Text, in declaration order.
const std::vector<Text>& AllTexts();

// A stable snake_case name for logs and test messages ("welcome", "key_ready").
std::string_view TextName(Text id);

// True for "en" and "ru".
bool IsSupportedLanguage(std::string_view lang);

// The message in `lang`; an unsupported language gets English. Placeholders are left as written.
std::string T(std::string_view lang, Text id);
std::string T(std::string_view lang, const Phrase& phrase);

// T(lang, id) with each {key} replaced by args[key], HTML-escaped (EscapeHtml) unless the key ends
// in "_html", in which case the caller vouches that the value is safe Telegram HTML. A
// placeholder without an argument stays as written; extra arguments are ignored. Only
// {lowercase_letters_digits_and_underscores} is a placeholder; other braces are literal text.
std::string Format(std::string_view lang, Text id, const std::map<std::string, std::string>& args);
std::string Format(std::string_view lang, const Phrase& phrase,
                   const std::map<std::string, std::string>& args);

// Like Format but substitutes values unchanged; for plain texts (button labels, callback answers)
// that Telegram does not parse as HTML.
std::string FormatPlain(std::string_view lang, Text id,
                        const std::map<std::string, std::string>& args);

// Escapes & < > " for Telegram HTML (text and attribute values).
std::string EscapeHtml(std::string_view text);

// The catalog language for a Telegram user's language_code (an IETF tag such as "ru", "ru-RU",
// "en-US"; case and '-'/'_' do not matter). Other or empty codes give `fallback`, or "en" when
// the fallback is not a supported language either.
std::string LanguageFromTelegram(std::string_view language_code, std::string_view fallback);

// A human duration, rounded down, in its largest unit (days, hours or minutes) plus the next
// smaller one when that is not zero: "2 days 5 hours", "2 days", "3 hours 10 minutes",
// "45 minutes", "less than a minute" (also for zero and negative values);
// Russian uses the right plural forms ("1 день", "2 дня", "5 дней", "21 день"). An unsupported
// language gets English.
std::string FormatDuration(std::string_view lang, std::int64_t seconds);

// The (plain) state word for a key, to fill {state}.
Text KeyStateText(KeyState state);

}  // namespace vpnhub::bot::i18n
