#include "util/text.hpp"

#include <cstdio>

namespace vpnhub::util {
namespace {

void AppendHexByte(std::string& out, const char* prefix, unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%s%02x", prefix, b);
  out += buf;
}

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 when it is not one.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char lead = b(0);
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    if (lead == 0xE0) lo = 0xA0;  // overlong
    if (lead == 0xED) hi = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    if (lead == 0xF0) lo = 0x90;  // overlong
    if (lead == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return len;
}

// What a byte below 0x80 becomes; empty when it stays as it is.
std::string_view ShortEscape(unsigned char c, EscapeStyle style) {
  switch (c) {
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    case '"':
      return style == EscapeStyle::kLineKeepQuotes ? "" : "\\\"";
    case '\\':
      return style == EscapeStyle::kLineKeepQuotes ? "" : "\\\\";
    case '\b':
      return style == EscapeStyle::kJson ? "\\b" : "";
    case '\f':
      return style == EscapeStyle::kJson ? "\\f" : "";
  }
  return "";
}

}  // namespace

void AppendEscaped(std::string& out, std::string_view s, EscapeStyle style) {
  const bool json = style == EscapeStyle::kJson;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80 && json) {
      const std::size_t len = Utf8SequenceLength(s, i);
      if (len == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    ++i;
    if (c >= 0x80) {
      out += static_cast<char>(c);
    } else if (std::string_view esc = ShortEscape(c, style); !esc.empty()) {
      out += esc;
    } else if (c < 0x20 || (c == 0x7F && !json)) {
      AppendHexByte(out, json ? "\\u00" : "\\x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
}

std::string Escaped(std::string_view s, EscapeStyle style) {
  std::string out;
  out.reserve(s.size());
  AppendEscaped(out, s, style);
  return out;
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  AppendEscaped(out, s, EscapeStyle::kJson);
  out += '"';
}

std::string JsonQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendJsonString(out, s);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace vpnhub::util
