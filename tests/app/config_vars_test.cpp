// The variable descriptors drive parsing, masking, check-config and --help: these tests iterate
// over the descriptors, so a variable added later is covered without a change here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "payments/factory.hpp"

namespace vpnhub::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSentinel[] = "Zq7sentinelQ";

// Values carrying the sentinel as the secret part, for a secret masked as `mask`: anything for a
// whole-value mask; for a URL mask, URLs whose password or token is the sentinel (a URL without
// one shows as it is, by design: a path is not a secret).
std::vector<std::string> SecretValues(Mask mask) {
  const std::string s = kSentinel;
  if (mask == Mask::kUrl || mask == Mask::kUrlList) {
    return {"nats://u:" + s + "@h:4222",         "nats://" + s + "@h:4222",
            "tls://a:4222,nats://u:" + s + "@b", "postgres://u:" + s + "@h/db",
            "postgresql://h/db?password=" + s,   "mysql://u:" + s + "@h",
            "postgres:/u:" + s + "@h/db"};
  }
  return {s, "has space " + s, "123456789:" + s + "AAAAAAAAAAAAAAAAAAAAAAAAA", "u:" + s + "@h",
          std::string(300, 'x') + s};
}

// Other variables a secret may need before it is accepted (so that both the error list and
// check-config's listing are reached): a payment provider's secret needs the provider's other
// required variables, since a provider configured by half is an error.
std::vector<EnvMap> Companions() {
  std::vector<EnvMap> out = {{}, {{"NATS_USER", "u"}}, {{"POSTGRES_DB", "vpn"}}};
  for (const payments::ProviderSpec& spec : payments::BuiltinProviderSpecs()) {
    EnvMap env;
    for (const payments::ProviderVar& v : spec.variables) {
      if (v.required) env[v.name] = v.url ? "https://example.com" : "x";
    }
    if (!env.empty()) out.push_back(std::move(env));
  }
  return out;
}

TEST(ConfigVars, NoSecretValueIsPrintedByCheckConfigOrInErrors) {
  int secrets = 0;
  for (const ConfigVar& var : ConfigVariables()) {
    if (!var.secret()) continue;
    ++secrets;
    bool listed = false;
    for (const std::string& value : SecretValues(var.mask)) {
      for (EnvMap env : Companions()) {
        env[var.name] = value;
        SCOPED_TRACE(var.name + "=" + value);
        auto result = ParseConfig(env);
        if (const auto* errors = std::get_if<std::vector<ConfigError>>(&result)) {
          EXPECT_THAT(FormatErrors(*errors), Not(HasSubstr(kSentinel)));
        } else {
          EXPECT_THAT(RenderConfig(std::get<Config>(result)), Not(HasSubstr(kSentinel)));
          listed = true;
        }
      }
    }
    EXPECT_TRUE(listed) << var.name << ": no value was accepted, so its listing went untested";
  }
  EXPECT_GE(secrets, 8);
}

TEST(ConfigVars, MaskingFollowsTheDescriptor) {
  EXPECT_EQ(MaskConfigValue("NATS_TOKEN", "t0ken"), "****");
  EXPECT_EQ(MaskConfigValue("NATS_TOKEN", ""), "");
  EXPECT_EQ(MaskConfigValue("TG_TOKEN", "123:abc"), "123:****");
  EXPECT_EQ(MaskConfigValue("DATABASE_URL", "postgres://u:pw@h/db"), "postgres://u:****@h/db");
  EXPECT_EQ(MaskConfigValue("DATABASE_URL", "sqlite:///srv/a@b.db"), "sqlite:///srv/a@b.db");
  EXPECT_EQ(MaskConfigValue("NATS_SERVERS", "nats://a:1,nats://u:pw@b:2"),
            "nats://a:1,nats://u:****@b:2");
  EXPECT_EQ(MaskConfigValue("NAME", "pw"), "pw");
  EXPECT_EQ(MaskConfigValue("NOT_A_VARIABLE", "pw"), "pw");
  for (const ConfigVar& var : ConfigVariables()) {
    EXPECT_EQ(var.secret(), var.mask != Mask::kNone) << var.name;
    if (var.mask == Mask::kWhole) {
      EXPECT_EQ(MaskConfigValue(var.name, "x y"), "****") << var.name;
    }
  }
}

// What ParseConfig makes of `env`: the check-config listing, or the error list.
std::string Outcome(const EnvMap& env) {
  auto result = ParseConfig(env);
  if (const auto* errors = std::get_if<std::vector<ConfigError>>(&result)) {
    return "errors:\n" + FormatErrors(*errors);
  }
  return RenderConfig(std::get<Config>(result));
}

// A descriptor nobody reads would be documented and silently ignored: setting each variable must
// change what ParseConfig returns (an error, or another check-config listing).
TEST(ConfigVars, EveryVariableIsRead) {
  for (const ConfigVar& var : ConfigVariables()) {
    EnvMap base;  // the POSTGRES_* variables make the URL only with POSTGRES_DB
    if (var.name.rfind("POSTGRES_", 0) == 0 && var.name != "POSTGRES_DB") {
      base["POSTGRES_DB"] = "vpn";
    }
    const std::string before = Outcome(base);
    bool read = false;
    for (const char* value : {"7", "not valid \x01"}) {
      EnvMap env = base;
      env[var.name] = value;
      read = read || Outcome(env) != before;
    }
    EXPECT_TRUE(read) << var.name << " is documented but changes nothing";
  }
}

// The range in a descriptor is the one enforced, with the standard error.
TEST(ConfigVars, EveryRangedIntegerAcceptsItsRangeAndNothingElse) {
  int ranged = 0;
  for (const ConfigVar& var : ConfigVariables()) {
    if (var.type != VarType::kInt || !var.range) continue;
    ++ranged;
    SCOPED_TRACE(var.name);
    EnvMap base;
    if (var.name.rfind("POSTGRES_", 0) == 0) base["POSTGRES_DB"] = "vpn";
    const IntRange range = *var.range;
    for (std::int64_t ok : {range.min, range.max}) {
      EnvMap env = base;
      env[var.name] = std::to_string(ok);
      EXPECT_TRUE(std::holds_alternative<Config>(ParseConfig(env))) << ok;
    }
    for (const std::string& bad :
         {std::to_string(range.min - 1), std::to_string(range.max + 1), std::string("1x")}) {
      EnvMap env = base;
      env[var.name] = bad;
      auto result = ParseConfig(env);
      ASSERT_TRUE(std::holds_alternative<std::vector<ConfigError>>(result)) << bad;
      const auto& errors = std::get<std::vector<ConfigError>>(result);
      ASSERT_EQ(errors.size(), 1u) << FormatErrors(errors);
      EXPECT_EQ(errors[0].name, var.name);
      EXPECT_EQ(errors[0].expected,
                "an integer in " + std::to_string(range.min) + ".." + std::to_string(range.max));
    }
  }
  EXPECT_GE(ranged, 20);
}

// The help text quotes the range the descriptor enforces (when it states one), so the two cannot
// drift apart.
TEST(ConfigVars, HelpStatesTheEnforcedRange) {
  for (const ConfigVar& var : ConfigVariables()) {
    if (!var.range || var.meaning.find("..") == std::string::npos) continue;
    EXPECT_THAT(var.meaning,
                HasSubstr(std::to_string(var.range->min) + ".." + std::to_string(var.range->max)))
        << var.name;
  }
}

TEST(ConfigVars, DescriptorsAreComplete) {
  std::set<std::string> names;
  for (const ConfigVar& var : ConfigVariables()) {
    SCOPED_TRACE(var.name);
    EXPECT_TRUE(names.insert(var.name).second) << "duplicate";
    EXPECT_EQ(FindConfigVariable(var.name), &var);
    EXPECT_FALSE(var.meaning.empty());
    EXPECT_FALSE(var.used_by.empty());
    if (var.range) {
      EXPECT_TRUE(var.type == VarType::kInt || var.type == VarType::kIntList);
      EXPECT_LE(var.range->min, var.range->max);
    }
  }
  EXPECT_EQ(FindConfigVariable("NOT_A_VARIABLE"), nullptr);
}

TEST(ConfigVars, HelpListsEveryVariableWithItsMeaningAndDefault) {
  const std::string help = ConfigHelp();
  EXPECT_THAT(help, HasSubstr("Configuration (environment variables, or a .env file"));
  for (const ConfigVar& var : ConfigVariables()) {
    std::string line = "  " + var.name;
    line += std::string(var.name.size() < 26 ? 26 - var.name.size() : 1, ' ') + var.meaning;
    if (!var.default_value.empty()) line += " [default: " + var.default_value + "]";
    EXPECT_THAT(help, HasSubstr(line + "\n")) << var.name;
  }
}

}  // namespace
}  // namespace vpnhub::app
