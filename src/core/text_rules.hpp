#pragma once
// Rules for text an operator types (location and server names, settings, the brand name) and for
// showing it back: pure functions, no I/O, safe from any thread.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.hpp"
#include "core/time.hpp"

namespace vpnhub {

// The longest name of a location or server, in characters (Unicode code points).
inline constexpr std::size_t kMaxNameChars = 64;

// The number of code points in `text`; nullopt when it is not valid UTF-8 (a stray or missing
// continuation byte, an overlong form, a surrogate, or a value past U+10FFFF).
std::optional<std::size_t> Utf8Length(std::string_view text);

// True for the characters that can move a terminal's cursor, change its state or reorder what is
// shown: C0 controls (TAB, LF, CR, ESC, ...), DEL, C1 controls (U+0080..U+009F), the line and
// paragraph separators U+2028/U+2029 and the bidirectional marks, embeddings, overrides and
// isolates (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069).
bool IsControlCharacter(char32_t c);
// True for Unicode White_Space characters (space, no-break space, U+2000..U+200A, ...).
bool IsBlank(char32_t c);

// Ok when `text` is one line of printable text an operator may give a thing: not empty, valid
// UTF-8, no control character (see IsControlCharacter), no blank at the start or the end, and at
// most `max_chars` characters (code points, not bytes). kInvalidArgument otherwise, with a
// message that begins with `field` (e.g. "location name must not contain control characters
// (U+001B at character 3)") and never repeats the offending bytes raw.
Status CheckText(std::string_view field, std::string_view text, std::size_t max_chars);
// CheckText with kMaxNameChars.
inline Status CheckName(std::string_view field, std::string_view text) {
  return CheckText(field, text, kMaxNameChars);
}

// `text` in double quotes, safe to print on a terminal or in a log: control characters become
// \t, \n, \r or \u{XXXX}, bytes that are not UTF-8 become \xNN, a backslash and a double quote are
// escaped; longer than `max_chars` characters it is cut and ends in "...".
std::string Quoted(std::string_view text, std::size_t max_chars = 80);
// `text` with its control characters and non-UTF-8 bytes escaped as in Quoted, and nothing else
// changed (no quotes, no cut): for printing stored names in a table.
std::string Escaped(std::string_view text);
// `text` as a value inside Telegram HTML: <, > and & escaped (the texts the core writes for
// admins).
std::string HtmlText(std::string_view text);

// A time as "2025-03-01 14:05 UTC", as people are shown it.
std::string FormatUtcMinute(Time t);

}  // namespace vpnhub
