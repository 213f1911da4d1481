#pragma once
// Small text helpers shared by adapters. Standard library only.
#include <string>
#include <string_view>

namespace vpnhub::util {

// The one escaper for text that goes where a quote or a line break would end it. Every style
// writes \n, \r and \t for those three characters.
enum class EscapeStyle {
  // The inside of a JSON string: \" \\ \b \f, other control characters as \u00XX; valid UTF-8
  // kept as is, each byte of an invalid sequence replaced by \ufffd. DEL stays as it is.
  kJson,
  // A quoted value on one line of text (log lines, error lines): \" \\, other control
  // characters and DEL as \xXX; every other byte as it is.
  kLine,
  // As kLine, but quotes and backslashes stay as they are (text that is not inside quotes).
  kLineKeepQuotes,
};

// Appends `s` escaped in `style`, without surrounding quotes.
void AppendEscaped(std::string& out, std::string_view s, EscapeStyle style);
std::string Escaped(std::string_view s, EscapeStyle style);

// Appends `s` as a JSON string literal: quotes around AppendEscaped(kJson).
void AppendJsonString(std::string& out, std::string_view s);
std::string JsonQuote(std::string_view s);

// ASCII case-insensitive equality (header names, tokens).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace vpnhub::util
