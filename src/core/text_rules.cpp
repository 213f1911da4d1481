#include "core/text_rules.hpp"

#include <cstdint>
#include <cstdio>

namespace vpnhub {
namespace {

// One decoded character, or the offending byte when the sequence at `pos` is not UTF-8.
struct Decoded {
  bool ok = false;
  char32_t c = 0;
  std::size_t size = 1;
};

Decoded DecodeAt(std::string_view s, std::size_t pos) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) return {true, b0, 1};
  std::size_t size = 0;
  char32_t c = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    size = 2;
    c = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    size = 3;
    c = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    size = 4;
    c = b0 & 0x07;
    min = 0x10000;
  } else {
    return {};
  }
  if (pos + size > s.size()) return {};
  for (std::size_t i = 1; i < size; ++i) {
    const auto b = static_cast<unsigned char>(s[pos + i]);
    if ((b & 0xC0) != 0x80) return {};
    c = (c << 6) | (b & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return {};
  return {true, c, size};
}

std::string CodePoint(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

}  // namespace

std::optional<std::size_t> Utf8Length(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    Decoded d = DecodeAt(text, pos);
    if (!d.ok) return std::nullopt;
    pos += d.size;
    ++n;
  }
  return n;
}

bool IsControlCharacter(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 || c == 0x061C ||
         c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

bool IsBlank(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

Status CheckText(std::string_view field, std::string_view text, std::size_t max_chars) {
  const std::string name(field);
  if (text.empty()) return InvalidArgument(name + " must not be empty");
  std::size_t chars = 0;
  char32_t first = 0, last = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    Decoded d = DecodeAt(text, pos);
    if (!d.ok) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[pos]));
      return InvalidArgument(name + " is not valid UTF-8 (byte " + byte + " at byte offset " +
                             std::to_string(pos) + ")");
    }
    ++chars;
    if (IsControlCharacter(d.c)) {
      return InvalidArgument(name + " must not contain control characters (" + CodePoint(d.c) +
                             " at character " + std::to_string(chars) + ")");
    }
    if (chars == 1) first = d.c;
    last = d.c;
    pos += d.size;
  }
  if (IsBlank(first) || IsBlank(last)) {
    return InvalidArgument(name + " must not begin or end with a blank (" +
                           CodePoint(IsBlank(first) ? first : last) + ")");
  }
  if (chars > max_chars) {
    return InvalidArgument(name + " must be at most " + std::to_string(max_chars) +
                           " characters, got " + std::to_string(chars));
  }
  return Status::Ok();
}

namespace {

// Quoted's body: with `quote`, also a backslash and a double quote are escaped.
std::string EscapeText(std::string_view text, std::size_t max_chars, bool quote) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    if (chars == max_chars) {
      out += "...";
      break;
    }
    ++chars;
    Decoded d = DecodeAt(text, pos);
    char buf[16];
    if (!d.ok) {
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(text[pos]));
      out += buf;
      ++pos;
      continue;
    }
    if (d.c == '\t') {
      out += "\\t";
    } else if (d.c == '\n') {
      out += "\\n";
    } else if (d.c == '\r') {
      out += "\\r";
    } else if (quote && (d.c == '\\' || d.c == '"')) {
      out += '\\';
      out += static_cast<char>(d.c);
    } else if (IsControlCharacter(d.c)) {
      std::snprintf(buf, sizeof buf, "\\u{%04X}", static_cast<unsigned>(d.c));
      out += buf;
    } else {
      out.append(text.substr(pos, d.size));
    }
    pos += d.size;
  }
  return out;
}

}  // namespace

std::string Quoted(std::string_view text, std::size_t max_chars) {
  // Built by append: GCC 12 at -O2 reports a false -Wrestrict for "\"" + std::string.
  std::string out(1, '"');
  out.append(EscapeText(text, max_chars, true)).append(1, '"');
  return out;
}

std::string Escaped(std::string_view text) { return EscapeText(text, std::string::npos, false); }

std::string HtmlText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '&') {
      out += "&amp;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatUtcMinute(Time t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::minutes>(t - day)};
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u %02d:%02d UTC", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()));
  return buf;
}

}  // namespace vpnhub
