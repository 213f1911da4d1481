// Printing configuration values: masks, the error list, check-config's listing and --help.

#include "app/config.hpp"
#include "app/config_reader.hpp"
#include "util/text.hpp"

namespace vpnhub::app {
namespace {

using config_text::AllDigits;
using config_text::Lower;
using config_text::StartsWith;

// Keeps one error line on one line: control characters (and, when asked, quotes) are escaped.
std::string EscapeForLine(std::string_view s, bool quotes) {
  return util::Escaped(s, quotes ? util::EscapeStyle::kLine : util::EscapeStyle::kLineKeepQuotes);
}

std::string MaskTgToken(std::string_view token) {
  if (token.empty()) return "";
  const auto colon = token.find(':');
  if (colon != std::string_view::npos && AllDigits(token.substr(0, colon))) {
    return std::string(token.substr(0, colon)) + ":****";
  }
  return "****";
}

std::string MaskUrlList(std::string_view list) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    const auto comma = list.find(',', start);
    out += MaskUrlSecret(list.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    out += ',';
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::string MaskConfigValue(std::string_view name, std::string_view value) {
  const ConfigVar* var = FindConfigVariable(name);
  switch (var == nullptr ? Mask::kNone : var->mask) {
    case Mask::kNone:
      return std::string(value);
    case Mask::kWhole:
      return value.empty() ? "" : "****";
    case Mask::kTgToken:
      return MaskTgToken(value);
    case Mask::kUrl:
      return StartsWith(value, "sqlite://") ? std::string(value) : MaskUrlSecret(value);
    case Mask::kUrlList:
      return MaskUrlList(value);
  }
  return "****";
}

std::string MaskUrlSecret(std::string_view url) {
  // The scheme is kept; without "://" (a typo such as "postgres:/u:pw@h") whatever follows the
  // first ':' is read as if it followed "://", so a mistyped URL still has its password masked.
  auto prefix_end = url.find("://");
  if (prefix_end != std::string_view::npos) {
    prefix_end += 3;
  } else {
    const auto colon = url.find(':');
    prefix_end = colon == std::string_view::npos ? 0 : colon + 1;
  }
  std::string out(url.substr(0, prefix_end));
  std::string_view rest = url.substr(prefix_end);
  // The last '@' ends the user info: a password may hold '/', '?' or '@' unescaped, and masking
  // too much is harmless while masking too little is a leak.
  const auto at = rest.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    const auto colon = userinfo.find(':');
    out +=
        colon == std::string_view::npos ? "****" : std::string(userinfo.substr(0, colon)) + ":****";
    out += '@';
    rest = rest.substr(at + 1);
  }
  // postgres://host/db?password=... (every occurrence; also "password=" as a conninfo word).
  const std::string lower = Lower(rest);
  std::size_t copied = 0;
  for (std::size_t pos = lower.find("password="); pos != std::string::npos;
       pos = lower.find("password=", pos + 9)) {
    if (pos > 0 && std::string_view("?&; ").find(lower[pos - 1]) == std::string_view::npos) {
      continue;
    }
    const std::size_t value_start = pos + 9;
    std::size_t value_end = lower.find_first_of("&# ", value_start);
    if (value_end == std::string::npos) value_end = lower.size();
    out.append(rest.substr(copied, value_start - copied));
    out += "****";
    copied = value_end;
  }
  out.append(rest.substr(copied));
  return out;
}

std::string FormatErrors(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) {
    out += "  " + EscapeForLine(e.name, false) + "=\"" + EscapeForLine(e.value, true) +
           "\" : expected " + EscapeForLine(e.expected, false) + "\n";
  }
  return out;
}

std::string RenderConfig(const Config& config) {
  std::string out;
  for (const auto& var : ConfigVariables()) {
    if (!var.render) continue;  // folded into another variable
    out +=
        var.name + "=" + EscapeForLine(MaskConfigValue(var.name, var.render(config)), false) + "\n";
  }
  return out;
}

std::string ConfigHelp() {
  std::string out =
      "\nConfiguration (environment variables, or a .env file in the working directory):\n";
  for (const auto& v : ConfigVariables()) {
    out += "  " + v.name + std::string(v.name.size() < 26 ? 26 - v.name.size() : 1, ' ') +
           v.meaning + (v.default_value.empty() ? "" : " [default: " + v.default_value + "]") +
           "\n";
  }
  return out;
}

}  // namespace vpnhub::app
