#include "app/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "payments/factory.hpp"

namespace vpnhub::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr const char* kToken = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";
constexpr const char* kTokenSecret = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";

Config MustParse(const EnvMap& env) {
  auto result = ParseConfig(env);
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) {
    ADD_FAILURE() << "unexpected config errors:\n" << FormatErrors(*errors);
    return {};
  }
  return std::get<Config>(result);
}

std::vector<ConfigError> MustFail(const EnvMap& env) {
  auto result = ParseConfig(env);
  if (std::holds_alternative<Config>(result)) {
    ADD_FAILURE() << "expected config errors, got a config";
    return {};
  }
  return std::get<std::vector<ConfigError>>(result);
}

std::vector<std::string> Names(const std::vector<ConfigError>& errors) {
  std::vector<std::string> names;
  for (const auto& e : errors) names.push_back(e.name);
  return names;
}

// The single error of `env`, which must name `name`.
ConfigError OneError(const EnvMap& env, const std::string& name) {
  const auto errors = MustFail(env);
  EXPECT_THAT(Names(errors), ElementsAre(name));
  return errors.empty() ? ConfigError{} : errors[0];
}

// RenderConfig lines as a map.
EnvMap RenderedValues(const Config& c) {
  EnvMap out;
  std::istringstream in(RenderConfig(c));
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    EXPECT_NE(eq, std::string::npos) << line;
    out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

using TariffPair = std::pair<int, std::int64_t>;  // months, price

std::vector<TariffPair> TariffPairs(const Config& c) {
  std::vector<TariffPair> out;
  for (const auto& t : c.tariffs) out.emplace_back(t.months, t.price);
  return out;
}

TEST(ConfigTest, DefaultsWhenTheEnvironmentIsEmpty) {
  const Config c = MustParse({});
  EXPECT_EQ(c.tg_token, "");
  EXPECT_FALSE(c.bot_enabled());
  EXPECT_THAT(c.admin_tg_ids, IsEmpty());
  EXPECT_EQ(c.name, "VPNHub");
  EXPECT_EQ(c.default_lang, "en");
  EXPECT_EQ(c.telegram_api_url, "https://api.telegram.org");
  EXPECT_FALSE(c.check_follow);
  EXPECT_FALSE(c.id_channel.has_value());
  EXPECT_EQ(c.link_channel, "");
  EXPECT_EQ(c.name_channel, "");
  EXPECT_THAT(TariffPairs(c), ElementsAre(TariffPair{1, 150}, TariffPair{3, 400},
                                          TariffPair{6, 750}, TariffPair{12, 1400}));
  EXPECT_EQ(c.trial_period_sec, 259200);
  EXPECT_EQ(c.limit_gb, 0);
  EXPECT_EQ(c.limit_ip, 0);
  EXPECT_EQ(c.database_url, "sqlite://./data/vpnhub.db");
  EXPECT_THAT(c.nats_servers, IsEmpty());
  EXPECT_EQ(c.http_host, "127.0.0.1");
  EXPECT_EQ(c.http_port, 8080);
  EXPECT_EQ(c.http_threads, 2);
  EXPECT_EQ(c.server_check_timeout_sec, 8);
  EXPECT_EQ(c.server_check_concurrency, 5);
  EXPECT_EQ(c.expiry_sweep_interval_sec, 15);
  EXPECT_EQ(c.retention_days, 30);
  EXPECT_EQ(c.worker_concurrency, 4);
  EXPECT_EQ(c.task_max_attempts, 8);
  EXPECT_EQ(c.task_lease_sec, 60);
  EXPECT_EQ(c.task_retry_base_ms, 2000);
  EXPECT_EQ(c.vpn_call_timeout_ms, 5000);
  EXPECT_EQ(c.log_level, ports::LogLevel::kInfo);
  EXPECT_TRUE(c.log_format_json);
}

TEST(ConfigTest, BlankValuesTakeTheDefault) {
  const Config c = MustParse({{"NAME", "   "}, {"MONTH_COST", ""}, {"LOG_LEVEL", "\t"}});
  EXPECT_EQ(c.name, "VPNHub");
  EXPECT_EQ(c.tariffs.size(), 4u);
  EXPECT_EQ(c.log_level, ports::LogLevel::kInfo);
}

TEST(ConfigTest, ValuesAreTrimmed) {
  const Config c = MustParse({{"SERVER_CHECK_TIMEOUT_SEC", " 10 "}, {"NAME", "  My VPN "}});
  EXPECT_EQ(c.server_check_timeout_sec, 10);
  EXPECT_EQ(c.name, "My VPN");
}

TEST(ConfigTest, UnknownVariablesAreIgnored) {
  const Config c = MustParse({{"PATH", "/usr/bin"}, {"SOMETHING_ELSE", "x"}});
  EXPECT_EQ(c.name, "VPNHub");
}

TEST(ConfigTest, DefaultsParseAndAreDocumented) {
  std::set<std::string_view> names;
  for (const auto& doc : ConfigVariables()) {
    EXPECT_TRUE(names.insert(doc.name).second) << "duplicate " << doc.name;
    EXPECT_FALSE(doc.meaning.empty()) << doc.name;
    // Setting a variable to its documented default changes nothing.
    if (!doc.default_value.empty()) {
      MustParse({{std::string(doc.name), std::string(doc.default_value)}});
    }
  }
  for (const char* name : {"TG_TOKEN",
                           "ADMIN_TG_ID",
                           "NAME",
                           "LANGUAGES",
                           "MONTH_COST",
                           "MONTH_OPTIONS",
                           "TRIAL_PERIOD",
                           "LIMIT_GB",
                           "LIMIT_IP",
                           "CHECK_FOLLOW",
                           "ID_CHANNEL",
                           "LINK_CHANNEL",
                           "NAME_CHANNEL",
                           "NATS_SERVERS",
                           "NATS_URL",
                           "SERVER_CHECK_INTERVAL_SEC",
                           "SERVER_CHECK_TIMEOUT_SEC",
                           "SERVER_CHECK_CONCURRENCY",
                           "SERVER_FAIL_THRESHOLD",
                           "SERVER_RECOVER_THRESHOLD",
                           "DATABASE_URL",
                           "HTTP_LISTEN",
                           "TELEGRAM_API_URL",
                           "EXPIRY_SWEEP_INTERVAL_SEC",
                           "LOG_LEVEL",
                           "LOG_FORMAT",
                           "WORKER_CONCURRENCY",
                           "TASK_MAX_ATTEMPTS",
                           "TASK_LEASE_SEC",
                           "TASK_RETRY_BASE_MS",
                           "VPN_CALL_TIMEOUT_MS",
                           "HTTP_THREADS"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
}

// --- integers and lists ---

TEST(ConfigTest, StrictIntegers) {
  EXPECT_EQ(ParseStrictInt("0"), 0);
  EXPECT_EQ(ParseStrictInt("42"), 42);
  EXPECT_EQ(ParseStrictInt("+42"), 42);
  EXPECT_EQ(ParseStrictInt("-1001234567890"), -1001234567890);
  EXPECT_EQ(ParseStrictInt("007"), 7);
  EXPECT_EQ(ParseStrictInt("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseStrictInt("-9223372036854775808"), INT64_MIN);
  for (const char* bad :
       {"", "+", "-", "+-1", "--1", "12x", "x12", " 12", "12 ", "1.5", "1e3", "0x10", "1,000",
        "9223372036854775808", "-9223372036854775809", "99999999999999999999"}) {
    EXPECT_FALSE(ParseStrictInt(bad).has_value()) << bad;
  }
}

TEST(ConfigTest, CommaListsDropSpacesAndEmptyItems) {
  EXPECT_THAT(SplitCommaList("1, 2,,3 "), ElementsAre("1", "2", "3"));
  EXPECT_THAT(SplitCommaList(" , ,"), IsEmpty());
  EXPECT_THAT(SplitCommaList(""), IsEmpty());
  EXPECT_THAT(SplitCommaList("a b,c"), ElementsAre("a b", "c"));
}

TEST(ConfigTest, AdminIdsAreACommaList) {
  const Config c = MustParse({{"ADMIN_TG_ID", "1, 2,,3 "}});
  EXPECT_THAT(c.admin_tg_ids, ElementsAre(1, 2, 3));
  EXPECT_TRUE(c.IsAdmin(2));
  EXPECT_FALSE(c.IsAdmin(4));
  EXPECT_THAT(MustParse({{"ADMIN_TG_ID", "777"}}).admin_tg_ids, ElementsAre(777));
}

TEST(ConfigTest, AdminIdsMustBePositiveIntegers) {
  for (const char* bad : {"1,abc", "0", "-5", "1;2", "1.5"}) {
    const ConfigError e = OneError({{"ADMIN_TG_ID", bad}}, "ADMIN_TG_ID");
    EXPECT_EQ(e.value, bad);
    EXPECT_THAT(e.expected, HasSubstr("positive"));
  }
}

// --- tariffs ---

TEST(ConfigTest, TariffsPairPricesAndMonthsByPosition) {
  const Config c = MustParse({{"MONTH_COST", " 100, 250,,0 "}, {"MONTH_OPTIONS", "1,3 ,12"}});
  EXPECT_THAT(TariffPairs(c),
              ElementsAre(TariffPair{1, 100}, TariffPair{3, 250}, TariffPair{12, 0}));
}

TEST(ConfigTest, MonthListLengthMismatchNamesBothLengths) {
  const auto errors = MustFail({{"MONTH_COST", "150,400,750,1400"}, {"MONTH_OPTIONS", "1,3"}});
  ASSERT_THAT(Names(errors), ElementsAre("MONTH_OPTIONS"));
  EXPECT_EQ(FormatErrors(errors),
            "  MONTH_OPTIONS=\"1,3\" : expected a comma list of positive month counts with the "
            "same length as MONTH_COST (4), got 2\n");
}

TEST(ConfigTest, ShortMonthCostAgainstDefaultMonthsBlamesMonthCost) {
  // The upstream trap: .env.example shipped three prices for four default tariffs.
  const ConfigError e = OneError({{"MONTH_COST", "150,400,750"}}, "MONTH_COST");
  EXPECT_EQ(e.value, "150,400,750");
  EXPECT_THAT(e.expected, HasSubstr("MONTH_OPTIONS (4, its default 1,3,6,12), got 3"));
}

TEST(ConfigTest, SingleTariffIsEnough) {
  const Config c = MustParse({{"MONTH_COST", "99"}, {"MONTH_OPTIONS", "1"}});
  EXPECT_THAT(TariffPairs(c), ElementsAre(TariffPair{1, 99}));
}

TEST(ConfigTest, BillingDefaults) {
  const Config c = MustParse({});
  EXPECT_EQ(c.currency, "RUB");
  EXPECT_THAT(c.tariff_stars, IsEmpty());  // Stars not offered
  EXPECT_EQ(c.order_ttl_sec, 3600);
  EXPECT_EQ(c.referral_bonus_days, 3);
  EXPECT_EQ(c.referral_invitee_days, 5);
  EXPECT_EQ(c.free_switches_per_key, 1);
}

TEST(ConfigTest, StarsPricesPairWithMonths) {
  const Config c = MustParse({{"MONTH_COST_STARS", "100, 250,450,800"}});
  EXPECT_THAT(c.tariff_stars, ElementsAre(100, 250, 450, 800));
  EXPECT_THAT(OneError({{"MONTH_COST_STARS", "100,250"}}, "MONTH_COST_STARS").expected,
              HasSubstr("same length as MONTH_OPTIONS (4), got 2"));
  EXPECT_THAT(OneError({{"MONTH_COST_STARS", "100,0,1,2"}}, "MONTH_COST_STARS").expected,
              HasSubstr("got '0'"));
}

TEST(ConfigTest, CurrencyIsThreeUpperCaseLettersButNotStars) {
  EXPECT_EQ(MustParse({{"CURRENCY", "USD"}}).currency, "USD");
  for (const char* bad : {"usd", "RUBL", "XTR", "R1B"}) {
    EXPECT_THAT(OneError({{"CURRENCY", bad}}, "CURRENCY").expected, HasSubstr("ISO 4217")) << bad;
  }
}

TEST(ConfigTest, TariffItemsAreChecked) {
  EXPECT_THAT(OneError({{"MONTH_COST", "150,-1,750,1400"}}, "MONTH_COST").expected,
              HasSubstr("got '-1'"));
  EXPECT_THAT(OneError({{"MONTH_COST", "150,abc,750,1400"}}, "MONTH_COST").expected,
              HasSubstr("got 'abc'"));
  EXPECT_THAT(OneError({{"MONTH_COST", ",,"}}, "MONTH_COST").expected, HasSubstr("got none"));
  EXPECT_THAT(OneError({{"MONTH_OPTIONS", "1,0,6,12"}}, "MONTH_OPTIONS").expected,
              HasSubstr("got '0'"));
  EXPECT_THAT(OneError({{"MONTH_OPTIONS", "1,3,6,1201"}}, "MONTH_OPTIONS").expected,
              HasSubstr("got '1201'"));
  EXPECT_THAT(OneError({{"MONTH_OPTIONS", "1,3,6,99999999999999999999"}}, "MONTH_OPTIONS").expected,
              HasSubstr("positive month counts"));
}

// --- channel gate ---

TEST(ConfigTest, WgDnsIsACommaListOfAddressesOrNone) {
  EXPECT_EQ(MustParse({}).wg_dns, "1.1.1.1");
  EXPECT_EQ(MustParse({{"WG_DNS", "1.1.1.1,2606:4700:4700::1111 , 8.8.8.8"}}).wg_dns,
            "1.1.1.1, 2606:4700:4700::1111, 8.8.8.8");
  EXPECT_EQ(MustParse({{"WG_DNS", "none"}}).wg_dns, "");
  for (const char* bad : {"dns.google", "1.1.1", "1.1.1.1; 8.8.8.8", "1.1.1.1/32"}) {
    auto errors = MustFail({{"WG_DNS", bad}});
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_EQ(errors[0].name, "WG_DNS");
  }
}

TEST(ConfigTest, CheckFollowAcceptsZeroOneTrueFalse) {
  const EnvMap with_id = {{"ID_CHANNEL", "-1001234567890"}};
  for (const auto& [text, want] : std::vector<std::pair<std::string, bool>>{
           {"0", false}, {"1", true}, {"true", true}, {"FALSE", false}, {"True", true}}) {
    EnvMap env = with_id;
    env["CHECK_FOLLOW"] = text;
    EXPECT_EQ(MustParse(env).check_follow, want) << text;
  }
  EXPECT_EQ(OneError({{"CHECK_FOLLOW", "2"}}, "CHECK_FOLLOW").expected, "0, 1, true or false");
  OneError({{"CHECK_FOLLOW", "yes"}}, "CHECK_FOLLOW");
}

TEST(ConfigTest, CheckFollowRequiresIdChannel) {
  const ConfigError e = OneError({{"CHECK_FOLLOW", "1"}}, "ID_CHANNEL");
  EXPECT_EQ(e.value, "");
  EXPECT_THAT(e.expected, HasSubstr("required when CHECK_FOLLOW=1"));
}

TEST(ConfigTest, IdChannelMayBeNegative) {
  const Config c = MustParse({{"CHECK_FOLLOW", "1"},
                              {"ID_CHANNEL", "-1001234567890"},
                              {"LINK_CHANNEL", "https://t.me/vpnhub_news"},
                              {"NAME_CHANNEL", "VPNHub news"}});
  EXPECT_TRUE(c.check_follow);
  EXPECT_EQ(c.id_channel, -1001234567890);
  EXPECT_EQ(c.link_channel, "https://t.me/vpnhub_news");
  EXPECT_EQ(c.name_channel, "VPNHub news");
}

TEST(ConfigTest, IdChannelMustBeAnIntegerWheneverSet) {
  for (const char* bad : {"@channel", "-100x", "12.5", "0"}) {
    const ConfigError e = OneError({{"ID_CHANNEL", bad}}, "ID_CHANNEL");
    EXPECT_EQ(e.value, bad);
    EXPECT_THAT(e.expected, HasSubstr("integer chat id"));
  }
  // Also with the gate on: one error, not two.
  OneError({{"CHECK_FOLLOW", "1"}, {"ID_CHANNEL", "abc"}}, "ID_CHANNEL");
}

TEST(ConfigTest, LinkChannelShape) {
  EXPECT_EQ(MustParse({{"LINK_CHANNEL", "@vpnhub"}}).link_channel, "@vpnhub");
  for (const char* bad : {"t.me/vpnhub", "http://t.me/vpnhub", "https://t.me/", "@", "@bad name",
                          "https://example.com/x"}) {
    OneError({{"LINK_CHANNEL", bad}}, "LINK_CHANNEL");
  }
}

// --- Telegram Stars ---

TEST(ConfigTest, TgStarsIsOnUnlessOff) {
  EXPECT_TRUE(MustParse({}).tg_stars);
  EXPECT_TRUE(MustParse({{"TG_STARS", "on"}}).tg_stars);
  EXPECT_FALSE(MustParse({{"TG_STARS", "off"}}).tg_stars);
  EXPECT_FALSE(MustParse({{"TG_STARS", "OFF"}}).tg_stars);
  EXPECT_EQ(OneError({{"TG_STARS", "no"}}, "TG_STARS").expected, "on or off");
  OneError({{"TG_STARS", "0"}}, "TG_STARS");
}

// --- NATS ---

TEST(ConfigTest, NatsServersBeatNatsUrl) {
  const Config c = MustParse(
      {{"NATS_SERVERS", " nats://a:4222, ,tls://b:4222,"}, {"NATS_URL", "nats://ignored:4222"}});
  EXPECT_THAT(c.nats_servers, ElementsAre("nats://a:4222", "tls://b:4222"));
}

TEST(ConfigTest, NatsUrlIsTheFallback) {
  EXPECT_THAT(MustParse({{"NATS_URL", " nats://single:4222 "}}).nats_servers,
              ElementsAre("nats://single:4222"));
  // A NATS_SERVERS made of separators only yields nothing, so NATS_URL is used.
  EXPECT_THAT(
      MustParse({{"NATS_SERVERS", " , ,"}, {"NATS_URL", "nats://single:4222"}}).nats_servers,
      ElementsAre("nats://single:4222"));
}

TEST(ConfigTest, NoNatsMeansTheEmbeddedQueue) {
  EXPECT_THAT(MustParse({{"NATS_SERVERS", ""}, {"NATS_URL", ""}}).nats_servers, IsEmpty());
  EXPECT_THAT(MustParse({}).nats_servers, IsEmpty());
}

TEST(ConfigTest, NatsUrlsNeedANatsScheme) {
  const ConfigError e = OneError({{"NATS_SERVERS", "nats://a:4222,http://b:4222"}}, "NATS_SERVERS");
  EXPECT_THAT(e.expected, HasSubstr("got 'http://b:4222'"));
  OneError({{"NATS_URL", "localhost:4222"}}, "NATS_URL");
  OneError({{"NATS_SERVERS", "nats://"}}, "NATS_SERVERS");
  OneError({{"NATS_URL", "nats://a:4222,nats://b:4222"}}, "NATS_URL");
}

TEST(ConfigTest, NatsPasswordsAreMasked) {
  const Config c = MustParse({{"NATS_SERVERS", "nats://user:natspw@a:4222,nats://tok3n@b:4222"}});
  EXPECT_THAT(c.nats_servers, ElementsAre("nats://user:natspw@a:4222", "nats://tok3n@b:4222"));
  const std::string rendered = RenderConfig(c);
  EXPECT_THAT(rendered, HasSubstr("NATS_SERVERS=nats://user:****@a:4222,nats://****@b:4222\n"));
  EXPECT_THAT(rendered, Not(HasSubstr("natspw")));
  EXPECT_THAT(rendered, Not(HasSubstr("tok3n")));

  const auto errors = MustFail({{"NATS_SERVERS", "nats://user:natspw@a:4222,ftp://u:pw2@b"}});
  const std::string text = FormatErrors(errors);
  EXPECT_THAT(text, Not(HasSubstr("natspw")));
  EXPECT_THAT(text, Not(HasSubstr("pw2")));
  EXPECT_THAT(text, HasSubstr("got 'ftp://u:****@b'"));
}

// --- secrets ---

TEST(ConfigTest, ValidTokenIsMaskedWhenRendered) {
  const Config c = MustParse({{"TG_TOKEN", kToken}});
  EXPECT_EQ(c.tg_token, kToken);
  EXPECT_TRUE(c.bot_enabled());
  const std::string rendered = RenderConfig(c);
  EXPECT_THAT(rendered, HasSubstr("TG_TOKEN=123456789:****\n"));
  EXPECT_THAT(rendered, Not(HasSubstr(kTokenSecret)));
}

TEST(ConfigTest, MalformedTokenIsRejectedWithoutEchoingIt) {
  const ConfigError short_secret = OneError({{"TG_TOKEN", "12345:tooshortsecret"}}, "TG_TOKEN");
  EXPECT_EQ(short_secret.value, "12345:****");
  const ConfigError no_colon =
      OneError({{"TG_TOKEN", "justonesecretwordwithoutanycolon"}}, "TG_TOKEN");
  EXPECT_EQ(no_colon.value, "****");
  const ConfigError bad_chars =
      OneError({{"TG_TOKEN", "12:AAHdqTcvCH1vGWJxfSeofSAs0K5PALD$aw!"}}, "TG_TOKEN");
  EXPECT_EQ(bad_chars.value, "12:****");
  const ConfigError letters_id = OneError({{"TG_TOKEN", std::string("abc") + kToken}}, "TG_TOKEN");
  EXPECT_EQ(letters_id.value, "****");
  EXPECT_THAT(FormatErrors({short_secret, no_colon, bad_chars, letters_id}),
              Not(HasSubstr("secret")));
}

TEST(ConfigTest, DatabaseUrlSchemes) {
  EXPECT_EQ(MustParse({{"DATABASE_URL", "sqlite:///var/lib/vpnhub/db.sqlite"}}).database_url,
            "sqlite:///var/lib/vpnhub/db.sqlite");
  MustParse({{"DATABASE_URL", "postgres://vpnhub@db:5432/vpnhub"}});
  MustParse({{"DATABASE_URL", "postgresql://db/vpnhub"}});
  for (const char* bad :
       {"mysql://db/x", "sqlite://", "postgres://", "./data/vpnhub.db", "SQLITE://x"}) {
    OneError({{"DATABASE_URL", bad}}, "DATABASE_URL");
  }
}

// serve would refuse these later (or quietly use a file named "x.db?mode=ro"): check-config says
// so now.
TEST(ConfigTest, SqliteUrlsAServiceCannotUseAreRejected) {
  const ConfigError memory = OneError({{"DATABASE_URL", "sqlite://:memory:"}}, "DATABASE_URL");
  EXPECT_THAT(memory.expected, HasSubstr("lost when it exits"));
  for (const char* url : {"sqlite://./x.db?mode=ro", "sqlite:///var/lib/v.db?cache=shared"}) {
    const ConfigError e = OneError({{"DATABASE_URL", url}}, "DATABASE_URL");
    EXPECT_THAT(e.expected, HasSubstr("without ?options")) << url;
  }
  MustParse({{"DATABASE_URL", "sqlite://./memory.db"}});
}

TEST(ConfigTest, DatabasePasswordIsMaskedInRenderAndErrors) {
  const Config c = MustParse({{"DATABASE_URL", "postgres://vpnhub:dbs3cret@db:5432/vpnhub"}});
  EXPECT_EQ(c.database_url, "postgres://vpnhub:dbs3cret@db:5432/vpnhub");
  const std::string rendered = RenderConfig(c);
  EXPECT_THAT(rendered, HasSubstr("DATABASE_URL=postgres://vpnhub:****@db:5432/vpnhub\n"));
  EXPECT_THAT(rendered, Not(HasSubstr("dbs3cret")));

  const ConfigError e =
      OneError({{"DATABASE_URL", "mysql://vpnhub:dbs3cret@db/x"}}, "DATABASE_URL");
  EXPECT_EQ(e.value, "mysql://vpnhub:****@db/x");
}

TEST(ConfigTest, UrlMasking) {
  EXPECT_EQ(MaskUrlSecret("postgres://u:p@ss/w@rd@h/db"), "postgres://u:****@h/db");
  EXPECT_EQ(MaskUrlSecret("postgres://h/db?sslmode=require&password=pw&x=1"),
            "postgres://h/db?sslmode=require&password=****&x=1");
  EXPECT_EQ(MaskUrlSecret("nats://token@h:4222"), "nats://****@h:4222");
  EXPECT_EQ(MaskUrlSecret("nats://h:4222"), "nats://h:4222");
  EXPECT_EQ(MaskUrlSecret("not a url"), "not a url");
  // Every password= value, not only the first.
  EXPECT_EQ(MaskUrlSecret("postgres://h/db?password=a&password=b#x"),
            "postgres://h/db?password=****&password=****#x");
  // A mistyped scheme still has its user info masked.
  EXPECT_EQ(MaskUrlSecret("postgres:/u:s3cret@h/db"), "postgres:/u:****@h/db");
  EXPECT_EQ(MaskUrlSecret("postgresql:u:s3cret@h"), "postgresql:u:****@h");
}

TEST(ConfigTest, MistypedDatabaseUrlErrorHidesThePassword) {
  for (const char* url : {"postgres:/vpnhub:dbs3cret@db/x", "postgresql:vpnhub:dbs3cret@db",
                          "host=db password=dbs3cret"}) {
    const ConfigError e = OneError({{"DATABASE_URL", url}}, "DATABASE_URL");
    EXPECT_THAT(e.value, Not(HasSubstr("dbs3cret"))) << url;
    EXPECT_THAT(FormatErrors({e}), Not(HasSubstr("dbs3cret"))) << url;
  }
}

// --- ranges ---

struct RangeCase {
  const char* name;
  std::int64_t min;
  std::int64_t max;
};

TEST(ConfigTest, EveryRangedVariableRejectsValuesOutsideItsRange) {
  const RangeCase cases[] = {
      {"TRIAL_PERIOD", 0, 315360000},
      {"LIMIT_GB", 0, 1000000},
      {"LIMIT_IP", 0, 1000000},
      {"SERVER_CHECK_INTERVAL_SEC", 1, 3600},
      {"SERVER_CHECK_TIMEOUT_SEC", 1, 300},
      {"SERVER_CHECK_CONCURRENCY", 1, 100},
      {"SERVER_FAIL_THRESHOLD", 1, 100},
      {"SERVER_RECOVER_THRESHOLD", 1, 100},
      {"EXPIRY_SWEEP_INTERVAL_SEC", 1, 86400},
      {"RETENTION_DAYS", 0, 3650},
      {"WORKER_CONCURRENCY", 1, 64},
      {"TASK_MAX_ATTEMPTS", 1, 100},
      {"TASK_LEASE_SEC", 1, 3600},
      {"TASK_RETRY_BASE_MS", 10, 600000},
      {"VPN_CALL_TIMEOUT_MS", 100, 60000},
      {"HTTP_THREADS", 1, 64},
  };
  for (const auto& rc : cases) {
    SCOPED_TRACE(rc.name);
    for (std::int64_t ok : {rc.min, rc.max}) {
      const Config c = MustParse({{rc.name, std::to_string(ok)}});
      EXPECT_EQ(RenderedValues(c)[rc.name], std::to_string(ok));
    }
    const std::string expected =
        "an integer in " + std::to_string(rc.min) + ".." + std::to_string(rc.max);
    for (const std::string& bad : {std::to_string(rc.min - 1), std::to_string(rc.max + 1),
                                   std::string("12abc"), std::string("1.0")}) {
      const ConfigError e = OneError({{rc.name, bad}}, rc.name);
      EXPECT_EQ(e.value, bad);
      EXPECT_EQ(e.expected, expected);
    }
  }
}

TEST(ConfigTest, TrialPeriodZeroMeansNoTrial) {
  EXPECT_EQ(MustParse({{"TRIAL_PERIOD", "0"}}).trial_period_sec, 0);
}

// --- listen address, URLs, enums ---

TEST(ConfigTest, HttpListen) {
  Config c = MustParse({{"HTTP_LISTEN", "0.0.0.0:0"}});
  EXPECT_EQ(c.http_host, "0.0.0.0");
  EXPECT_EQ(c.http_port, 0);
  c = MustParse({{"HTTP_LISTEN", "[::1]:8443"}});
  EXPECT_EQ(c.http_host, "::1");
  EXPECT_EQ(c.http_port, 8443);
  EXPECT_EQ(RenderedValues(c)["HTTP_LISTEN"], "[::1]:8443");
  c = MustParse({{"HTTP_LISTEN", "localhost:65535"}});
  EXPECT_EQ(c.http_host, "localhost");
  EXPECT_EQ(c.http_port, 65535);
  for (const char* bad : {"localhost", ":8080", "h:65536", "h:-1", "h:+80", "h:80x", "::1:8080",
                          "[::1]8080", "[::1]:", "h:"}) {
    OneError({{"HTTP_LISTEN", bad}}, "HTTP_LISTEN");
  }
}

TEST(ConfigTest, TelegramApiUrl) {
  EXPECT_EQ(MustParse({{"TELEGRAM_API_URL", "http://127.0.0.1:9000/"}}).telegram_api_url,
            "http://127.0.0.1:9000");
  for (const char* bad : {"ftp://api", "api.telegram.org", "https://", "https:///x"}) {
    OneError({{"TELEGRAM_API_URL", bad}}, "TELEGRAM_API_URL");
  }
}

TEST(ConfigTest, Languages) {
  EXPECT_EQ(MustParse({{"LANGUAGES", "ru"}}).default_lang, "ru");
  EXPECT_EQ(MustParse({{"LANGUAGES", "RU"}}).default_lang, "ru");
  OneError({{"LANGUAGES", "de"}}, "LANGUAGES");
  OneError({{"LANGUAGES", "en,ru"}}, "LANGUAGES");
}

TEST(ConfigTest, LogLevelAndFormat) {
  const Config c = MustParse({{"LOG_LEVEL", "debug"}, {"LOG_FORMAT", "text"}});
  EXPECT_EQ(c.log_level, ports::LogLevel::kDebug);
  EXPECT_FALSE(c.log_format_json);
  EXPECT_EQ(MustParse({{"LOG_LEVEL", "ERROR"}}).log_level, ports::LogLevel::kError);
  OneError({{"LOG_LEVEL", "verbose"}}, "LOG_LEVEL");
  OneError({{"LOG_FORMAT", "xml"}}, "LOG_FORMAT");
}

// --- errors all at once ---

TEST(ConfigTest, EveryBadVariableIsReportedAtOnce) {
  const auto errors = MustFail({{"TG_TOKEN", "nope"},
                                {"MONTH_COST", "1,2"},
                                {"SERVER_CHECK_TIMEOUT_SEC", "0"},
                                {"LOG_FORMAT", "xml"},
                                {"NAME", "fine"}});
  EXPECT_THAT(Names(errors),
              ElementsAre("TG_TOKEN", "MONTH_COST", "SERVER_CHECK_TIMEOUT_SEC", "LOG_FORMAT"));
  const std::string text = FormatErrors(errors);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
  EXPECT_THAT(text,
              HasSubstr("  SERVER_CHECK_TIMEOUT_SEC=\"0\" : expected an integer in 1..300\n"));
  EXPECT_THAT(text, HasSubstr("  TG_TOKEN=\"****\" : expected a bot token"));
}

TEST(ConfigTest, ManyErrorsAtOnce) {
  const auto errors = MustFail({{"ADMIN_TG_ID", "x"},
                                {"LANGUAGES", "de"},
                                {"CHECK_FOLLOW", "1"},
                                {"MONTH_OPTIONS", "1,3"},
                                {"TRIAL_PERIOD", "-1"},
                                {"LIMIT_GB", "lots"},
                                {"DATABASE_URL", "mysql://x"},
                                {"NATS_URL", "redis://x"},
                                {"HTTP_LISTEN", "nowhere"},
                                {"TELEGRAM_API_URL", "api"},
                                {"LOG_LEVEL", "loud"}});
  EXPECT_EQ(errors.size(), 11u) << FormatErrors(errors);
}

TEST(ConfigTest, FormatErrorsKeepsEachErrorOnOneLine) {
  const std::string text = FormatErrors({{"NAME", "a\"b\\c\nd", "something"}});
  EXPECT_EQ(text, "  NAME=\"a\\\"b\\\\c\\nd\" : expected something\n");
}

// --- rendering ---

TEST(ConfigTest, RenderListsEveryVariableOnceInDocumentedOrder) {
  const EnvMap rendered = RenderedValues(MustParse({}));
  std::vector<std::string> doc_names;
  for (const auto& doc : ConfigVariables()) {
    // Folded into NATS_SERVERS, DATABASE_URL and SUBSCRIPTION_BASE_URL, rendered instead.
    if (doc.name != "NATS_URL" && doc.name != "PUBLIC_SUBSCRIPTION_BASE" &&
        doc.name.rfind("POSTGRES_", 0) != 0) {
      doc_names.emplace_back(doc.name);
    }
  }
  EXPECT_EQ(rendered.size(), doc_names.size());
  std::vector<std::string> line_names;
  std::istringstream in(RenderConfig(MustParse({})));
  for (std::string line; std::getline(in, line);)
    line_names.push_back(line.substr(0, line.find('=')));
  EXPECT_EQ(line_names, doc_names);
  EXPECT_EQ(rendered.at("MONTH_COST"), "150,400,750,1400");
  EXPECT_EQ(rendered.at("MONTH_OPTIONS"), "1,3,6,12");
  EXPECT_EQ(rendered.at("HTTP_LISTEN"), "127.0.0.1:8080");
  EXPECT_EQ(rendered.at("LOG_FORMAT"), "json");
  EXPECT_EQ(rendered.at("TG_TOKEN"), "");
}

TEST(ConfigTest, PythonBotPostgresVariablesMakeTheDatabaseUrl) {
  const Config c = MustParse({{"POSTGRES_DB", "vpn"},
                              {"POSTGRES_USER", "bot"},
                              {"POSTGRES_PASSWORD", "p@ss:w/rd"},
                              {"POSTGRES_HOST", "db.internal"},
                              {"POSTGRES_PORT", "6432"}});
  EXPECT_EQ(c.database_url, "postgresql://bot:p%40ss%3Aw%2Frd@db.internal:6432/vpn");
  EXPECT_EQ(RenderedValues(c).at("DATABASE_URL"), "postgresql://bot:****@db.internal:6432/vpn");
  // DATABASE_URL wins when both are given.
  EXPECT_EQ(
      MustParse({{"DATABASE_URL", "sqlite:///tmp/x.db"}, {"POSTGRES_DB", "vpn"}}).database_url,
      "sqlite:///tmp/x.db");
  // A password without a database is a mistake worth reporting.
  const auto errors = MustFail({{"POSTGRES_PASSWORD", "secret"}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].name, "POSTGRES_DB");
}

TEST(ConfigTest, RenderedConfigParsesBackToTheSameConfig) {
  const Config c = MustParse({{"ADMIN_TG_ID", "5,6"},
                              {"NAME", "Fast VPN"},
                              {"LANGUAGES", "ru"},
                              {"CHECK_FOLLOW", "true"},
                              {"ID_CHANNEL", "-100200"},
                              {"LINK_CHANNEL", "@chan"},
                              {"MONTH_COST", "10,20"},
                              {"MONTH_OPTIONS", "1,2"},
                              {"NATS_URL", "nats://n:4222"},
                              {"HTTP_LISTEN", "[::]:9000"},
                              {"LOG_LEVEL", "warn"},
                              {"LOG_FORMAT", "text"},
                              {"TASK_LEASE_SEC", "30"}});
  EXPECT_EQ(RenderConfig(MustParse(RenderedValues(c))), RenderConfig(c));
}

// --- the environment and the .env file ---

class CollectEnvironmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vpnhub_config_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / ".env").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A NULL-terminated environ array over `entries`.
  std::vector<char*> Environ(std::vector<std::string>& entries) {
    std::vector<char*> out;
    for (auto& e : entries) out.push_back(e.data());
    out.push_back(nullptr);
    return out;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(CollectEnvironmentTest, ProcessEnvironmentWinsOverDotEnv) {
  std::ofstream(path_) << "NAME=FromFile\nLIMIT_GB=10\nTRIAL_PERIOD=60\n";
  std::vector<std::string> entries = {"NAME=FromEnv", "TRIAL_PERIOD=", "NOEQUALS", "=x"};
  auto env_array = Environ(entries);
  std::vector<ConfigError> file_errors;
  const EnvMap env = CollectEnvironment(env_array.data(), path_, &file_errors);
  EXPECT_THAT(file_errors, IsEmpty());
  EXPECT_EQ(env.at("NAME"), "FromEnv");
  EXPECT_EQ(env.at("LIMIT_GB"), "10");
  // Present in the process environment, even empty, beats the file.
  EXPECT_EQ(env.at("TRIAL_PERIOD"), "");
  EXPECT_EQ(env.count("NOEQUALS"), 0u);

  const Config c = MustParse(env);
  EXPECT_EQ(c.name, "FromEnv");
  EXPECT_EQ(c.limit_gb, 10);
  EXPECT_EQ(c.trial_period_sec, 259200);  // blank -> default
}

TEST_F(CollectEnvironmentTest, MissingFileMeansProcessEnvironmentOnly) {
  std::vector<std::string> entries = {"NAME=OnlyEnv"};
  auto env_array = Environ(entries);
  std::vector<ConfigError> file_errors;
  const EnvMap env = CollectEnvironment(env_array.data(), (dir_ / "none").string(), &file_errors);
  EXPECT_THAT(file_errors, IsEmpty());
  EXPECT_EQ(env.size(), 1u);
  EXPECT_EQ(env.at("NAME"), "OnlyEnv");
  EXPECT_THAT(CollectEnvironment(nullptr, (dir_ / "none").string(), nullptr), IsEmpty());
}

TEST_F(CollectEnvironmentTest, MalformedDotEnvLinesBecomeErrorsNamingFileAndLine) {
  std::ofstream(path_) << "NAME=ok\nTG_TOKEN=\"123:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw\n";
  std::vector<ConfigError> file_errors;
  const EnvMap env = CollectEnvironment(nullptr, path_, &file_errors);
  EXPECT_EQ(env.at("NAME"), "ok");
  ASSERT_EQ(file_errors.size(), 1u);
  EXPECT_EQ(file_errors[0].name, path_ + ":2");
  const std::string text = FormatErrors(file_errors);
  EXPECT_EQ(text, "  " + path_ + ":2=\"TG_TOKEN=****\" : expected a closing double quote\n");
  EXPECT_THAT(text, Not(HasSubstr("AAHdq")));
}

TEST(ConfigTest, TelegramDeliverySettings) {
  const Config d = MustParse({});
  EXPECT_EQ(d.telegram_webhook_url, "");
  EXPECT_EQ(d.telegram_poll_timeout_sec, 25);
  EXPECT_EQ(d.telegram_rate_per_sec, 30);
  EXPECT_EQ(d.telegram_chat_interval_ms, 1000);
  EXPECT_EQ(d.alert_cooldown_sec, 3600);
  EXPECT_EQ(d.notice_interval_sec, 60);
  const Config c = MustParse({{"TELEGRAM_WEBHOOK_URL", "https://bot.example.com/telegram/webhook"},
                              {"TELEGRAM_WEBHOOK_SECRET", "s3cret_Value-1"},
                              {"ALERT_COOLDOWN_SEC", "60"}});
  EXPECT_EQ(c.telegram_webhook_url, "https://bot.example.com/telegram/webhook");
  EXPECT_EQ(c.alert_cooldown_sec, 60);
  EXPECT_THAT(RenderConfig(c), Not(HasSubstr("s3cret_Value-1")));
  OneError({{"TELEGRAM_WEBHOOK_URL", "http://insecure.example.com/hook"}}, "TELEGRAM_WEBHOOK_URL");
  const auto bad = OneError({{"TELEGRAM_WEBHOOK_SECRET", "has space"}}, "TELEGRAM_WEBHOOK_SECRET");
  EXPECT_THAT(bad.value, Not(HasSubstr("has space")));
  OneError({{"TELEGRAM_RATE_PER_SEC", "0"}}, "TELEGRAM_RATE_PER_SEC");
  OneError({{"ALERT_COOLDOWN_SEC", "-5"}}, "ALERT_COOLDOWN_SEC");
  OneError({{"TELEGRAM_POLL_TIMEOUT_SEC", "90"}}, "TELEGRAM_POLL_TIMEOUT_SEC");
}

TEST(ConfigTest, WebhookUrlNeedsAPathAndAPortTelegramPostsTo) {
  for (const char* good :
       {"https://bot.example.com/telegram/webhook", "https://bot.example.com:8443/tg/hook",
        "https://bot.example.com:443/hook?source=telegram", "https://bot.example.com:88/a/b",
        "https://bot.example.com:80/hook", "https://203.0.113.7:8443/hook",
        "https://[2001:db8::1]:8443/hook", "https://[2001:db8::1]/hook"}) {
    EXPECT_EQ(MustParse({{"TELEGRAM_WEBHOOK_URL", good}}).telegram_webhook_url, good);
  }
  // Without a path Telegram would post to "/" while the service serves another route.
  for (const char* no_path : {"https://bot.example.com", "https://bot.example.com/",
                              "https://bot.example.com:8443", "https://bot.example.com?x=1"}) {
    const ConfigError e = OneError({{"TELEGRAM_WEBHOOK_URL", no_path}}, "TELEGRAM_WEBHOOK_URL");
    EXPECT_THAT(e.expected, HasSubstr("no path")) << no_path;
    EXPECT_THAT(e.expected, HasSubstr("/telegram/webhook")) << no_path;
  }
  // Telegram posts to 443, 80, 88 and 8443 only.
  for (const char* bad_port : {"https://bot.example.com:8080/hook", "https://bot.example.com:1/h",
                               "https://bot.example.com:/hook", "https://[::1]:9443/hook",
                               "https://bot.example.com:84430/hook"}) {
    const ConfigError e = OneError({{"TELEGRAM_WEBHOOK_URL", bad_port}}, "TELEGRAM_WEBHOOK_URL");
    EXPECT_THAT(e.expected, HasSubstr("443, 80, 88 or 8443")) << bad_port;
    EXPECT_THAT(e.expected, HasSubstr("not one Telegram posts to")) << bad_port;
  }
  for (const char* bad : {"http://bot.example.com/hook", "https:///hook", "https://:8443/hook",
                          "https://user:pw@bot.example.com/hook", "https://bot.example.com/h#x",
                          "https://[::1/hook", "https://bot.example.com/a b"}) {
    OneError({{"TELEGRAM_WEBHOOK_URL", bad}}, "TELEGRAM_WEBHOOK_URL");
  }
}

TEST(ConfigTest, WebhookUrlPathIsTheRouteServed) {
  EXPECT_EQ(WebhookUrlPath("https://bot.example.com/telegram/webhook"), "/telegram/webhook");
  EXPECT_EQ(WebhookUrlPath("https://h:8443/tg/hook?x=1#y"), "/tg/hook");
  EXPECT_EQ(WebhookUrlPath("https://[::1]:8443/a/b/"), "/a/b/");
  EXPECT_EQ(WebhookUrlPath("https://h"), "");
  EXPECT_EQ(WebhookUrlPath("https://h?x=/y"), "");
  EXPECT_EQ(WebhookUrlPath("https://h/"), "/");
}

TEST(ConfigTest, NatsCredentialsStreamAndWorkerSettings) {
  const Config d = MustParse({});
  EXPECT_FALSE(d.nats_enabled());
  EXPECT_EQ(d.nats_stream, "VPNHUB_TASKS");
  EXPECT_EQ(d.nats_stream_replicas, 1);
  EXPECT_EQ(d.nats_duplicate_window_sec, 120);
  EXPECT_EQ(d.worker_per_server, 4);
  const Config c = MustParse({{"NATS_URL", "nats://n:4222"},
                              {"NATS_USER", "vpnhub"},
                              {"NATS_PASSWORD", "n4ts-Secret"},
                              {"NATS_TLS_CA", "/etc/vpnhub/nats-ca.pem"},
                              {"NATS_STREAM", "TASKS_EU-1"},
                              {"NATS_STREAM_REPLICAS", "3"},
                              {"WORKER_PER_SERVER", "2"}});
  EXPECT_TRUE(c.nats_enabled());
  EXPECT_EQ(c.nats_user, "vpnhub");
  EXPECT_EQ(c.nats_password, "n4ts-Secret");
  EXPECT_EQ(c.nats_tls_ca, "/etc/vpnhub/nats-ca.pem");
  EXPECT_EQ(c.nats_stream, "TASKS_EU-1");
  EXPECT_EQ(c.nats_stream_replicas, 3);
  EXPECT_EQ(c.worker_per_server, 2);
  const std::string rendered = RenderConfig(c);
  EXPECT_THAT(rendered, Not(HasSubstr("n4ts-Secret")));
  EXPECT_THAT(rendered, HasSubstr("NATS_PASSWORD=****\n"));
  const Config t =
      MustParse({{"NATS_TOKEN", "t0ken-Value"}, {"NATS_CREDS", "/etc/vpnhub/a.creds"}});
  EXPECT_EQ(t.nats_token, "t0ken-Value");
  EXPECT_EQ(t.nats_creds, "/etc/vpnhub/a.creds");
  EXPECT_THAT(RenderConfig(t), Not(HasSubstr("t0ken-Value")));

  const auto half = OneError({{"NATS_PASSWORD", "lonely-Secret"}}, "NATS_PASSWORD");
  EXPECT_THAT(half.value, Not(HasSubstr("lonely-Secret")));
  OneError({{"NATS_USER", "vpnhub"}}, "NATS_USER");
  const auto both = OneError(
      {{"NATS_USER", "u"}, {"NATS_PASSWORD", "p"}, {"NATS_TOKEN", "both-Secret"}}, "NATS_TOKEN");
  EXPECT_THAT(both.value, Not(HasSubstr("both-Secret")));
  OneError({{"NATS_STREAM", "has.dot"}}, "NATS_STREAM");
  OneError({{"NATS_STREAM_REPLICAS", "0"}}, "NATS_STREAM_REPLICAS");
  OneError({{"NATS_DUPLICATE_WINDOW_SEC", "5"}}, "NATS_DUPLICATE_WINDOW_SEC");
  OneError({{"WORKER_PER_SERVER", "0"}}, "WORKER_PER_SERVER");
}

TEST(Config, NamesShownToPeopleAreOneLineOfUtf8UpTo64Characters) {
  // NAME names every share link ("NAME | location") and is shown in the bot.
  for (const std::string& bad :
       std::vector<std::string>{"My\x1b[31mVPN", "My\tVPN", "My\xffVPN", std::string(65, 'v')}) {
    const auto e = OneError({{"NAME", bad}}, "NAME");
    EXPECT_THAT(e.expected, HasSubstr("64 characters")) << bad;
  }
  OneError({{"NAME_CHANNEL", "News\nChannel"}}, "NAME_CHANNEL");
  std::string cyrillic;
  for (int i = 0; i < 64; ++i) cyrillic += "\u0436";
  EXPECT_EQ(MustParse({{"NAME", cyrillic}}).name, cyrillic);
  EXPECT_EQ(MustParse({{"NAME", "Fast VPN | EU"}}).name, "Fast VPN | EU");
}

}  // namespace
}  // namespace vpnhub::app

namespace vpnhub::app {
namespace {

// Every payment provider's variables are in the one table: a provider set by half is an error
// naming what is missing, and a secret of any provider never shows in check-config or an error.
TEST(ProviderConfigTest, AProviderConfiguredByHalfIsAnErrorNamingTheMissingVariable) {
  int checked = 0;
  for (const payments::ProviderSpec& spec : payments::BuiltinProviderSpecs()) {
    std::vector<const payments::ProviderVar*> required;
    for (const auto& v : spec.variables) {
      if (v.required) required.push_back(&v);
    }
    if (required.size() < 2) continue;
    ++checked;
    const auto errors = MustFail({{required[0]->name, "set-" + required[0]->name}});
    ASSERT_FALSE(errors.empty()) << spec.name;
    std::vector<std::string> names = Names(errors);
    for (std::size_t i = 1; i < required.size(); ++i) {
      EXPECT_THAT(names, ::testing::Contains(required[i]->name)) << spec.name;
    }
    EXPECT_THAT(FormatErrors(errors), HasSubstr(spec.name));
  }
  if (checked == 0) GTEST_SKIP() << "no provider with two required variables is registered";
}

TEST(ProviderConfigTest, ProviderSecretsAreMaskedInCheckConfigAndErrors) {
  EnvMap env;
  std::vector<std::string> sentinels;
  int n = 0;  // one value per variable: a shown non-secret must not look like a secret's
  for (const payments::ProviderSpec& spec : payments::BuiltinProviderSpecs()) {
    for (const auto& v : spec.variables) {
      if (v.url) continue;
      const std::string value = "S3NT1NEL" + std::to_string(n++) + "x";
      env[v.name] = value;
      if (v.secret) sentinels.push_back(value);
    }
  }
  if (sentinels.empty()) GTEST_SKIP() << "no provider with a secret is registered";
  env["PAYMENT_WEBHOOK_BASE_URL"] = "https://vpn.example.com";
  auto result = ParseConfig(env);
  std::string shown;
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) {
    shown = FormatErrors(*errors);
  } else {
    shown = RenderConfig(std::get<Config>(result));
  }
  ASSERT_FALSE(shown.empty());
  for (const std::string& s : sentinels) EXPECT_THAT(shown, Not(HasSubstr(s))) << shown;
}

// Subscription links: an https base (or the Python bot's PUBLIC_SUBSCRIPTION_BASE), which needs
// a signing key of 32+ characters; the key is never shown.
TEST(ConfigTest, SubscriptionLinks) {
  const std::string key(40, 'k');
  Config off = MustParse({});
  EXPECT_EQ(off.subscription_base_url, "");
  EXPECT_EQ(off.subscription_update_hours, 12);
  Config on = MustParse({{"SUBSCRIPTION_BASE_URL", "https://sub.example.com/"},
                         {"SUBSCRIPTION_SIGNING_KEY", key},
                         {"SUPPORT_URL", "https://t.me/help"}});
  EXPECT_EQ(on.subscription_base_url, "https://sub.example.com");
  EXPECT_EQ(on.subscription_signing_key, key);
  EXPECT_EQ(on.support_url, "https://t.me/help");
  EXPECT_THAT(RenderConfig(on), Not(HasSubstr(key)));
  Config alias = MustParse(
      {{"PUBLIC_SUBSCRIPTION_BASE", "https://old.example.com"}, {"SUBSCRIPTION_SIGNING_KEY", key}});
  EXPECT_EQ(alias.subscription_base_url, "https://old.example.com");
  OneError({{"SUBSCRIPTION_BASE_URL", "https://sub.example.com"}}, "SUBSCRIPTION_SIGNING_KEY");
  const ConfigError short_key = OneError(
      {{"SUBSCRIPTION_BASE_URL", "https://sub.example.com"}, {"SUBSCRIPTION_SIGNING_KEY", "short"}},
      "SUBSCRIPTION_SIGNING_KEY");
  EXPECT_THAT(FormatErrors({short_key}), Not(HasSubstr("short")));
  OneError({{"SUBSCRIPTION_BASE_URL", "http://sub.example.com"}, {"SUBSCRIPTION_SIGNING_KEY", key}},
           "SUBSCRIPTION_BASE_URL");
  OneError({{"SUPPORT_URL", "t.me/help"}}, "SUPPORT_URL");
  OneError({{"SUBSCRIPTION_UPDATE_HOURS", "0"}}, "SUBSCRIPTION_UPDATE_HOURS");
}

}  // namespace
}  // namespace vpnhub::app
