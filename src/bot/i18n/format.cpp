// Filling in catalog texts: placeholders, HTML escaping, languages and durations.
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include "bot/i18n/i18n.hpp"

namespace vpnhub::bot::i18n {
namespace {

bool IsPlaceholderChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

std::string Substitute(std::string_view text, const std::map<std::string, std::string>& args,
                       bool escape) {
  std::string out;
  out.reserve(text.size() + 64);
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '{') {
      std::size_t end = i + 1;
      while (end < text.size() && IsPlaceholderChar(text[end])) ++end;
      if (end < text.size() && text[end] == '}' && end > i + 1) {
        const std::string key(text.substr(i + 1, end - i - 1));
        const auto it = args.find(key);
        if (it != args.end()) {
          const bool raw = !escape || std::string_view(key).ends_with("_html");
          out += raw ? it->second : EscapeHtml(it->second);
          i = end + 1;
          continue;
        }
      }
    }
    out += text[i];
    ++i;
  }
  return out;
}

// Russian plural forms: 1, 21, 101 -> one; 2-4, 22-24 -> few; 0, 5-20, 25-30, 111 -> many.
const char* RussianPlural(std::int64_t n, const char* one, const char* few, const char* many) {
  const std::int64_t mod100 = n % 100;
  const std::int64_t mod10 = n % 10;
  if (mod100 >= 11 && mod100 <= 14) return many;
  if (mod10 == 1) return one;
  if (mod10 >= 2 && mod10 <= 4) return few;
  return many;
}

enum class Unit { kDay, kHour, kMinute };

std::string Quantity(bool russian, std::int64_t n, Unit unit) {
  const char* word = nullptr;
  if (russian) {
    switch (unit) {
      case Unit::kDay:
        word = RussianPlural(n, "день", "дня", "дней");
        break;
      case Unit::kHour:
        word = RussianPlural(n, "час", "часа", "часов");
        break;
      case Unit::kMinute:
        word = RussianPlural(n, "минута", "минуты", "минут");
        break;
    }
  } else {
    const bool one = n == 1;
    switch (unit) {
      case Unit::kDay:
        word = one ? "day" : "days";
        break;
      case Unit::kHour:
        word = one ? "hour" : "hours";
        break;
      case Unit::kMinute:
        word = one ? "minute" : "minutes";
        break;
    }
  }
  return std::to_string(n) + " " + word;
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Format(std::string_view lang, Text id, const std::map<std::string, std::string>& args) {
  return Substitute(T(lang, id), args, /*escape=*/true);
}

std::string Format(std::string_view lang, const Phrase& phrase,
                   const std::map<std::string, std::string>& args) {
  return Substitute(T(lang, phrase), args, /*escape=*/true);
}

std::string FormatPlain(std::string_view lang, Text id,
                        const std::map<std::string, std::string>& args) {
  return Substitute(T(lang, id), args, /*escape=*/false);
}

std::string LanguageFromTelegram(std::string_view language_code, std::string_view fallback) {
  std::string primary;
  for (char c : language_code) {
    if (c == '-' || c == '_') break;
    primary += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (IsSupportedLanguage(primary)) return primary;
  if (IsSupportedLanguage(fallback)) return std::string(fallback);
  return "en";
}

std::string FormatDuration(std::string_view lang, std::int64_t seconds) {
  const bool russian = lang == "ru";
  if (seconds < 60) return russian ? "меньше минуты" : "less than a minute";
  const std::int64_t days = seconds / 86400;
  const std::int64_t hours = seconds % 86400 / 3600;
  const std::int64_t minutes = seconds % 3600 / 60;
  std::string out;
  if (days > 0) {
    out = Quantity(russian, days, Unit::kDay);
    if (hours > 0) out += " " + Quantity(russian, hours, Unit::kHour);
  } else if (hours > 0) {
    out = Quantity(russian, hours, Unit::kHour);
    if (minutes > 0) out += " " + Quantity(russian, minutes, Unit::kMinute);
  } else {
    out = Quantity(russian, minutes, Unit::kMinute);
  }
  return out;
}

Text KeyStateText(KeyState state) {
  switch (state) {
    case KeyState::kPending:
      return Text::kKeyStatePending;
    case KeyState::kActive:
      return Text::kKeyStateActive;
    case KeyState::kRevoking:
      return Text::kKeyStateRevoking;
    case KeyState::kRevoked:
      return Text::kKeyStateRevoked;
    case KeyState::kFailed:
      return Text::kKeyStateFailed;
  }
  return Text::kKeyStateFailed;
}

}  // namespace vpnhub::bot::i18n
