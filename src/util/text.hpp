#pragma once
// Small text helpers shared by adapters. Standard library only.
#include <string>
#include <string_view>

namespace vpnhub::util {

// Appends `s` as a JSON string literal (with quotes): control characters escaped, valid UTF-8
// kept as is, each byte of an invalid UTF-8 sequence replaced by \ufffd.
void AppendJsonString(std::string& out, std::string_view s);
std::string JsonQuote(std::string_view s);

// ASCII case-insensitive equality (header names, tokens).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace vpnhub::util
