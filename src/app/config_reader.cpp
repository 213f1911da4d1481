#include "app/config_reader.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

namespace vpnhub::app {

namespace config_text {

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kWhitespace = " \t\r\n\v\f";
  const auto first = s.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kWhitespace);
  return s.substr(first, last - first + 1);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool HasSpaceOrComma(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return c == ',' || std::isspace(static_cast<unsigned char>(c)) != 0;
  });
}

}  // namespace config_text

namespace {

IntRange RangeOf(std::string_view name) {
  const ConfigVar* var = FindConfigVariable(name);
  if (var != nullptr && var->range) return *var->range;
  return {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()};
}

}  // namespace

std::string ConfigReader::Get(std::string_view name) const {
  const std::string_view raw = Raw(name);
  if (!raw.empty()) return std::string(raw);
  const ConfigVar* var = FindConfigVariable(name);
  return var == nullptr ? std::string() : var->default_value;
}

void ConfigReader::Fail(std::string_view name, std::string_view value, std::string expected) {
  errors_.push_back({std::string(name), MaskConfigValue(name, value), std::move(expected)});
}

std::optional<std::int64_t> ConfigReader::Int(std::string_view name) {
  const IntRange range = RangeOf(name);
  const std::string value = Get(name);
  const auto n = ParseStrictInt(value);
  if (!n || *n < range.min || *n > range.max) {
    Fail(name, value,
         "an integer in " + std::to_string(range.min) + ".." + std::to_string(range.max));
    return std::nullopt;
  }
  return n;
}

std::optional<std::vector<std::int64_t>> ConfigReader::IntList(std::string_view name,
                                                               const std::string& what) {
  const IntRange range = RangeOf(name);
  const std::string value = Get(name);
  std::vector<std::int64_t> out;
  for (const auto& item : SplitCommaList(value)) {
    const auto n = ParseStrictInt(item);
    if (!n || *n < range.min || *n > range.max) {
      Fail(name, value, what + ", got '" + item + "'");
      return std::nullopt;
    }
    out.push_back(*n);
  }
  if (out.empty()) {
    Fail(name, value, what + ", got none");
    return std::nullopt;
  }
  return out;
}

std::string_view ConfigReader::Raw(std::string_view name) const {
  const auto it = env_.find(std::string(name));
  return it == env_.end() ? std::string_view() : config_text::Trim(it->second);
}

}  // namespace vpnhub::app
