#pragma once
// Internal to the configuration files (config*.cpp): reading variables with their descriptors'
// defaults and ranges, collecting errors with masked values, and the small text helpers they share.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "app/config.hpp"

namespace vpnhub::app {

// Reads the variables of one environment. Every value is trimmed; an unset or blank variable
// reads as its descriptor's default. Every error goes through Fail, which masks the value as the
// variable's descriptor says. Not thread-safe; one per ParseConfig.
class ConfigReader {
 public:
  explicit ConfigReader(const EnvMap& env) : env_(env) {}

  // Present with a non-blank value.
  bool IsSet(std::string_view name) const { return !Raw(name).empty(); }

  // The trimmed value, or the default when unset or blank.
  std::string Get(std::string_view name) const;

  // Records that `name` has the bad value `value` (printed masked) and what was `expected`.
  void Fail(std::string_view name, std::string_view value, std::string expected);

  // An integer within the descriptor's range; nullopt (and an error) otherwise.
  std::optional<std::int64_t> Int(std::string_view name);

  // A non-empty comma list of integers within the descriptor's range, described by `what` in
  // errors ("<what>, got '<item>'" or "<what>, got none").
  std::optional<std::vector<std::int64_t>> IntList(std::string_view name, const std::string& what);

  std::vector<ConfigError> TakeErrors() { return std::move(errors_); }

 private:
  std::string_view Raw(std::string_view name) const;

  const EnvMap& env_;
  std::vector<ConfigError> errors_;
};

namespace config_text {

std::string_view Trim(std::string_view s);
std::string Lower(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool AllDigits(std::string_view s);        // non-empty, 0-9 only
bool HasSpaceOrComma(std::string_view s);  // any ',' or whitespace

// "1,2,3" / "a,b".
template <typename T>
std::string Join(const std::vector<T>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    if constexpr (std::is_arithmetic_v<T>) {
      out += std::to_string(item);
    } else {
      out += item;
    }
  }
  return out;
}

}  // namespace config_text
}  // namespace vpnhub::app
