#pragma once
// The configuration variables, one descriptor each: the only place that says what a variable is
// called, what it holds, its default and range, whether it is a secret, what it means and what
// uses it. ParseConfig, RenderConfig (check-config), the error list, --help and the README table
// check all read the table (config_vars.cpp), so adding a variable is one entry there plus the
// Config field it fills; a secret entry is masked everywhere a value is printed.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vpnhub::app {

struct Config;
class ConfigReader;

// What a variable holds (documentation and the generic tests; `parse` does the reading).
enum class VarType {
  kText,      // text, possibly of a checked shape (a token, a name, a path)
  kInt,       // a strict integer within `range`
  kIntList,   // a comma list of strict integers, each within `range`
  kBool,      // 0, 1, true or false
  kChoice,    // one word of a fixed set (en/ru, debug/info/warn/error, json/text)
  kUrl,       // one URL
  kUrlList,   // a comma list of URLs
  kHostPort,  // host:port
};

// How a value is printed in errors and by check-config. Anything but kNone makes the variable a
// secret.
enum class Mask {
  kNone,     // not a secret: printed as is
  kWhole,    // "****" (an empty value stays empty)
  kTgToken,  // "<bot id>:****" when the value has that shape, else "****"
  kUrl,      // MaskUrlSecret: the password of the URL masked; a sqlite:// URL unchanged
  kUrlList,  // each item of a comma list as kUrl
};

struct IntRange {
  std::int64_t min = 0;
  std::int64_t max = 0;
};

struct ConfigVar {
  std::string name;
  VarType type = VarType::kText;
  std::string default_value;      // "" = unset by default
  std::optional<IntRange> range;  // kInt and kIntList: the values accepted
  Mask mask = Mask::kNone;
  std::string meaning;  // one line: --help and the README's Meaning column
  std::string used_by;  // the README's "Used by" column
  // Reads the variable into the config, reporting a bad value through the reader (which trims,
  // applies the default and masks). Null for a variable that another one's `parse` reads together
  // with it (POSTGRES_* with DATABASE_URL, NATS_URL with NATS_SERVERS, MONTH_COST with
  // MONTH_OPTIONS).
  std::function<void(ConfigReader&, Config&)> parse;
  // The effective value check-config prints, before masking; null when it is shown folded into
  // another variable (NATS_URL into NATS_SERVERS, POSTGRES_* into DATABASE_URL).
  std::function<std::string(const Config&)> render;

  bool secret() const { return mask != Mask::kNone; }
};

// Every variable in --help order, grouped (Telegram, channel gate, sales, infrastructure, jobs
// and worker, logging). ParseConfig reads them in this order, so a variable's `parse` may use the
// Config fields of the variables before it (ID_CHANNEL uses CHECK_FOLLOW).
const std::vector<ConfigVar>& ConfigVariables();

// The descriptor of `name`, or null when no variable has that name.
const ConfigVar* FindConfigVariable(std::string_view name);

// `value` as it may be printed for the variable `name`: masked as its descriptor says; unchanged
// when `name` is not a secret (or not a variable).
std::string MaskConfigValue(std::string_view name, std::string_view value);

// The environment table of --help (vpnhub --help, vpnhub check-config --help): a heading, then
// one line per variable with its meaning and default.
std::string ConfigHelp();

}  // namespace vpnhub::app
