// The configuration variables: one descriptor each (config_vars.hpp). To add a variable, add its
// entry here (and the Config field it fills); parsing, masking, check-config, --help and the
// README check follow from the entry.
#include "app/config_vars.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "app/config_checks.hpp"
#include "app/config_reader.hpp"
#include "app/logging.hpp"
#include "payments/factory.hpp"
#include "util/text.hpp"

namespace vpnhub::app {
namespace {

using config_text::Join;
using ReadFn = std::function<void(ConfigReader&, Config&)>;
using RenderFn = std::function<std::string(const Config&)>;
// "" when the value is fine, else what was expected (config_checks.hpp).
using TextCheck = std::string (*)(const std::string&);

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

ConfigVar Custom(std::string name, VarType type, std::string default_value, ReadFn parse,
                 RenderFn render, std::string used_by, std::string meaning) {
  ConfigVar var;
  var.name = std::move(name);
  var.type = type;
  var.default_value = std::move(default_value);
  var.parse = std::move(parse);
  var.render = std::move(render);
  var.used_by = std::move(used_by);
  var.meaning = std::move(meaning);
  return var;
}

// A variable another one's parse reads, shown folded into that one.
ConfigVar ReadWith(std::string name, VarType type, std::string default_value, std::string used_by,
                   std::string meaning) {
  return Custom(std::move(name), type, std::move(default_value), nullptr, nullptr,
                std::move(used_by), std::move(meaning));
}

// An integer within [range.min, range.max] stored in `field`.
template <typename T>
ConfigVar Int(std::string name, std::string default_value, IntRange range, T Config::*field,
              std::string used_by, std::string meaning) {
  ReadFn parse = [name, field](ConfigReader& r, Config& c) {
    if (auto n = r.Int(name)) c.*field = static_cast<T>(*n);
  };
  ConfigVar var = Custom(
      name, VarType::kInt, std::move(default_value), std::move(parse),
      [field](const Config& c) { return std::to_string(c.*field); }, std::move(used_by),
      std::move(meaning));
  var.range = range;
  return var;
}

// Text stored in `field` as read; `check` (may be null) says what is wrong with it.
ConfigVar Text(std::string name, std::string default_value, std::string Config::*field,
               TextCheck check, std::string used_by, std::string meaning) {
  ReadFn parse = [name, field, check](ConfigReader& r, Config& c) {
    c.*field = r.Get(name);
    if (check == nullptr) return;
    if (std::string expected = check(c.*field); !expected.empty()) {
      r.Fail(name, c.*field, std::move(expected));
    }
  };
  return Custom(
      name, VarType::kText, std::move(default_value), std::move(parse),
      [field](const Config& c) { return c.*field; }, std::move(used_by), std::move(meaning));
}

ConfigVar Secret(ConfigVar var, Mask mask = Mask::kWhole) {
  var.mask = mask;
  return var;
}

ConfigVar Ranged(ConfigVar var, IntRange range) {
  var.range = range;
  return var;
}

// One column of the tariffs (MONTH_COST's prices, MONTH_OPTIONS' months).
template <typename T>
std::vector<T> TariffColumn(const Config& c, T Tariff::*column) {
  std::vector<T> out;
  for (const auto& t : c.tariffs) out.push_back(t.*column);
  return out;
}

std::string ListenAddress(const Config& c) {
  const bool v6 = c.http_host.find(':') != std::string::npos;
  return (v6 ? "[" + c.http_host + "]" : c.http_host) + ":" + std::to_string(c.http_port);
}

// The variable of a payment provider's spec: stored in Config::provider_settings; a required one
// that is unset while another of the same provider is set is an error (a provider configured by
// half).
ConfigVar ProviderVariable(const payments::ProviderSpec& spec, const payments::ProviderVar& v) {
  ReadFn parse = [spec, v](ConfigReader& r, Config& c) {
    std::string value = r.Get(v.name);
    if (v.url) {
      while (!value.empty() && value.back() == '/') value.pop_back();
      if (!value.empty() && !config_checks::IsHttpUrl(value)) {
        r.Fail(v.name, r.Get(v.name), "empty or an http:// or https:// URL");
      }
    }
    c.provider_settings[v.name] = value;
    if (!v.required || !value.empty()) return;
    for (const payments::ProviderVar& other : spec.variables) {
      if (other.required && r.IsSet(other.name)) {
        r.Fail(v.name, value,
               "set: " + other.name + " is, and " + spec.name +
                   " needs both (a provider configured by half is not offered)");
        return;
      }
    }
  };
  RenderFn render = [name = v.name](const Config& c) {
    const auto it = c.provider_settings.find(name);
    return it == c.provider_settings.end() ? std::string() : it->second;
  };
  ConfigVar var =
      Custom(v.name, v.url ? VarType::kUrl : VarType::kText, v.default_value, std::move(parse),
             std::move(render), "selling (" + spec.name + ")", v.meaning);
  if (v.secret) var.mask = Mask::kWhole;
  return var;
}

// `vars` with every registered provider's variables after PAYMENT_RECONCILE_INTERVAL_SEC.
std::vector<ConfigVar>* WithProviderVariables(std::vector<ConfigVar> vars) {
  std::vector<ConfigVar> provider_vars;
  for (const payments::ProviderSpec& spec : payments::BuiltinProviderSpecs()) {
    for (const payments::ProviderVar& v : spec.variables) {
      provider_vars.push_back(ProviderVariable(spec, v));
    }
  }
  auto at = std::find_if(vars.begin(), vars.end(), [](const ConfigVar& v) {
    return v.name == "PAYMENT_RECONCILE_INTERVAL_SEC";
  });
  if (at != vars.end()) ++at;
  vars.insert(at, provider_vars.begin(), provider_vars.end());
  return new std::vector<ConfigVar>(std::move(vars));
}

}  // namespace

const std::vector<ConfigVar>& ConfigVariables() {
  // Longer than a function should be: it is the table itself, one entry per variable, in --help
  // order. Built once, never destroyed (read until the process exits).
  static const auto* const kVariables = WithProviderVariables(std::vector<ConfigVar>{
      Secret(Text("TG_TOKEN", "", &Config::tg_token, config_checks::TgToken, "bot",
                  "Telegram bot token (<bot id>:<30+ chars>); empty disables the bot"),
             Mask::kTgToken),
      Custom(
          "ADMIN_TG_ID", VarType::kIntList, "", config_checks::ReadAdminIds,
          [](const Config& c) { return Join(c.admin_tg_ids); }, "bot",
          "admin Telegram user ids, comma list of positive integers"),
      Text("NAME", "VPNHub", &Config::name, config_checks::ShownName, "bot, share links",
           "service name shown to users and in share-link names (\"NAME | location\"); 1..64 "
           "characters"),
      Custom(
          "LANGUAGES", VarType::kChoice, "en", config_checks::ReadLanguage,
          [](const Config& c) { return c.default_lang; }, "this release",
          "default language: en or ru"),
      Custom(
          "TELEGRAM_API_URL", VarType::kUrl, "https://api.telegram.org",
          config_checks::ReadTelegramApiUrl, [](const Config& c) { return c.telegram_api_url; },
          "bot", "Telegram Bot API base URL, http(s)://"),
      Text("TELEGRAM_WEBHOOK_URL", "", &Config::telegram_webhook_url, config_checks::WebhookUrl,
           "bot",
           "public https:// URL Telegram posts updates to: port 443, 80, 88 or 8443, and a path, "
           "which is served on HTTP_LISTEN; empty = long polling"),
      Secret(Text("TELEGRAM_WEBHOOK_SECRET", "", &Config::telegram_webhook_secret,
                  config_checks::WebhookSecret, "bot",
                  "secret_token checked on every webhook call; empty = one derived from TG_TOKEN "
                  "(the same in every instance)")),
      Int("TELEGRAM_POLL_TIMEOUT_SEC", "25", {1, 50}, &Config::telegram_poll_timeout_sec, "bot",
          "long-polling timeout of getUpdates, 1..50 s"),
      Int("TELEGRAM_RATE_PER_SEC", "30", {1, 1000}, &Config::telegram_rate_per_sec, "bot",
          "messages per second to Telegram in total, 1..1000"),
      Int("TELEGRAM_CHAT_INTERVAL_MS", "1000", {0, 60000}, &Config::telegram_chat_interval_ms,
          "bot", "minimum gap between messages to one chat, ms"),
      Int("ALERT_COOLDOWN_SEC", "3600", {1, 604800}, &Config::alert_cooldown_sec, "bot",
          "one admin alert per subject per this many seconds"),
      Int("NOTICE_INTERVAL_SEC", "60", {1, 86400}, &Config::notice_interval_sec, "bot",
          "how often expiry notices are looked for, 1..86400 s"),
      Custom(
          "TG_STARS", VarType::kChoice, "on",
          [](ConfigReader& r, Config& c) {
            const std::string value = r.Get("TG_STARS");
            if (util::EqualsIgnoreCase(value, "on") || util::EqualsIgnoreCase(value, "off")) {
              c.tg_stars = util::EqualsIgnoreCase(value, "on");
            } else {
              r.Fail("TG_STARS", value, "on or off");
            }
          },
          [](const Config& c) { return std::string(c.tg_stars ? "on" : "off"); }, "selling",
          "sell with Telegram Stars: on or off; offered only with the bot and MONTH_COST_STARS"),
      Custom(
          "CHECK_FOLLOW", VarType::kBool, "0", config_checks::ReadCheckFollow,
          [](const Config& c) { return std::string(c.check_follow ? "1" : "0"); }, "bot",
          "require a channel subscription: 0/1 (or true/false)"),
      Custom(
          "ID_CHANNEL", VarType::kInt, "", config_checks::ReadIdChannel,
          [](const Config& c) { return c.id_channel ? std::to_string(*c.id_channel) : ""; }, "bot",
          "channel chat id (e.g. -1001234567890); required when CHECK_FOLLOW=1"),
      Text("LINK_CHANNEL", "", &Config::link_channel, config_checks::ChannelLink, "bot",
           "channel link: https://t.me/<name> or @<name>"),
      Text("NAME_CHANNEL", "", &Config::name_channel, config_checks::ChannelName, "bot",
           "channel name shown to users; 1..64 characters"),
      Ranged(Custom(
                 "MONTH_COST", VarType::kIntList, "150,400,750,1400",
                 nullptr /* read with MONTH_OPTIONS */,
                 [](const Config& c) { return Join(TariffColumn(c, &Tariff::price)); }, "selling",
                 "prices in CURRENCY, comma list of integers >= 0, paired with MONTH_OPTIONS by "
                 "position; what the providers over HTTP charge (Stars has its own prices)"),
             {0, kInt64Max}),
      Ranged(Custom(
                 "MONTH_OPTIONS", VarType::kIntList, "1,3,6,12", config_checks::ReadTariffs,
                 [](const Config& c) { return Join(TariffColumn(c, &Tariff::months)); }, "selling",
                 "tariff lengths in months, comma list of 1..1200, as many as MONTH_COST"),
             {1, 1200}),
      // Billing (issue 13): prices, order life, referral and switch terms.
      Custom(
          "CURRENCY", VarType::kText, "RUB", config_checks::ReadCurrency,
          [](const Config& c) { return c.currency; }, "selling",
          "currency MONTH_COST and PRICE_SWITCH_LOCATION are in, charged by the providers over "
          "HTTP: 3 upper-case letters (ISO 4217), not XTR"),
      Ranged(Custom(
                 "MONTH_COST_STARS", VarType::kIntList, "", config_checks::ReadStarsTariffs,
                 [](const Config& c) { return Join(c.tariff_stars); }, "selling",
                 "prices in Telegram Stars, comma list of 1..100000, as many as MONTH_OPTIONS; "
                 "empty = Stars is not offered"),
             {1, 100000}),
      Int("ORDER_TTL_SEC", "3600", {60, 7 * 24 * 3600}, &Config::order_ttl_sec, "selling",
          "an unpaid order can be paid for this long, 60..604800 s"),
      Int("REFERRAL_BONUS_DAYS", "3", {0, 365}, &Config::referral_bonus_days, "selling",
          "days the referrer gets per paid order of someone they invited, 0..365 (0 = none)"),
      Int("REFERRAL_INVITEE_DAYS", "5", {0, 365}, &Config::referral_invitee_days, "selling",
          "days added to the trial of someone who came by a referral link, "
          "0..365"),
      Int("FREE_SWITCHES_PER_KEY", "1", {0, 100}, &Config::free_switches_per_key, "selling",
          "location switches per key without payment (the bot's Switch location), 0..100"),
      Int("PRICE_SWITCH_LOCATION", "100", {0, kInt64Max}, &Config::price_switch_location, "selling",
          "price of a location switch beyond the free ones, in CURRENCY (the providers over "
          "HTTP); 0 = not sold in CURRENCY"),
      Int("PRICE_SWITCH_LOCATION_STARS", "50", {0, 100000}, &Config::price_switch_location_stars,
          "selling",
          "price of a paid location switch in Stars, 0..100000: Stars are not converted from "
          "CURRENCY, so they have their own price; 0 = not sold for Stars"),
      Custom(
          "PAYMENT_WEBHOOK_BASE_URL", VarType::kUrl, "", config_checks::ReadPaymentUrls,
          [](const Config& c) { return c.payment_webhook_base_url; }, "selling",
          "public http(s) base under which this service's HTTP_LISTEN is reached: each provider's "
          "webhook is <base>/pay/<provider>; needed by Cryptomus and Heleket, shown by "
          "check-config for the others' dashboards"),
      Custom(
          "PAYMENT_RETURN_URL", VarType::kUrl, "", nullptr /* read with the webhook base */,
          [](const Config& c) { return c.payment_return_url; }, "selling",
          "where a provider's payment page sends the person back: your bot's "
          "https://t.me/<bot> link; empty = https://t.me"),
      Int("PAYMENT_CHECK_FIRST_SEC", "60", {1, 86400}, &Config::payment_check_first_sec, "selling",
          "an invoice whose webhook has not come is first asked of the provider's API after "
          "this long, then at growing intervals, 1..86400 s"),
      Int("PAYMENT_RECONCILE_INTERVAL_SEC", "30", {1, 3600},
          &Config::payment_reconcile_interval_sec, "selling",
          "how often the reconciliation job looks for invoices due a question, 1..3600 s"),
      // Each payment provider's own variables follow here (WithProviderVariables).
      Int("TRIAL_PERIOD", "259200", {0, 10LL * 365 * 24 * 3600}, &Config::trial_period_sec, "bot",
          "trial length in seconds, 0..315360000; 0 = no trial"),
      Int("LIMIT_GB", "0", {0, 1000000}, &Config::limit_gb, "this release",
          "traffic cap per key in GB, 0..1000000; 0 = unlimited; recorded on each new key; "
          "outline servers and the panels (xui, marzban, remnawave) enforce it; for shadowsocks "
          "keys it is not enforced: ss-manager has no traffic limit"),
      Int("LIMIT_IP", "0", {0, 1000000}, &Config::limit_ip, "this release",
          "devices per key, 0..1000000; 0 = unlimited; set on xui panels (limitIp) and "
          "remnawave panels (hwidDeviceLimit); other kinds do not limit devices"),
      Custom(
          "SUBSCRIPTION_BASE_URL", VarType::kUrl, "", config_checks::ReadSubscription,
          [](const Config& c) { return c.subscription_base_url; }, "subscriptions",
          "public https:// base under which HTTP_LISTEN is reached: a person's subscription URL "
          "is <base>/sub/<token>; PUBLIC_SUBSCRIPTION_BASE (the Python bot's name) is read when "
          "this is unset; empty = no subscription links"),
      ReadWith("PUBLIC_SUBSCRIPTION_BASE", VarType::kUrl, "", "subscriptions",
               "the Python bot's name of SUBSCRIPTION_BASE_URL, read when that is unset"),
      Secret(Custom(
          "SUBSCRIPTION_SIGNING_KEY", VarType::kText, "", nullptr /* read with the base */,
          [](const Config& c) { return c.subscription_signing_key; }, "subscriptions",
          "HMAC key that signs the subscription tokens, at least 32 characters; required when "
          "SUBSCRIPTION_BASE_URL is set; changing it makes every subscription URL stop working")),
      Text("SUPPORT_URL", "", &Config::support_url, config_checks::OptionalHttpUrl, "subscriptions",
           "empty or an http(s) URL sent to subscription apps as support-url"),
      Int("SUBSCRIPTION_UPDATE_HOURS", "12", {1, 168}, &Config::subscription_update_hours,
          "subscriptions",
          "how often subscription apps are told to refresh (profile-update-interval), 1..168 h"),
      Int("SUBSCRIPTION_CACHE_MB", "256", {1, 65536}, &Config::subscription_cache_mb,
          "subscriptions",
          "memory for cached subscription documents per process, 1..65536 MB (least recently "
          "fetched dropped first)"),
      Secret(Custom(
                 "DATABASE_URL", VarType::kUrl, "sqlite://./data/vpnhub.db",
                 config_checks::ReadDatabase, [](const Config& c) { return c.database_url; },
                 "this release",
                 "sqlite://<path> (a file; no ?options, no :memory:), postgres:// or postgresql:// "
                 "URL"),
             Mask::kUrl),
      ReadWith("POSTGRES_DB", VarType::kText, "", "PostgreSQL",
               "database name; with DATABASE_URL unset, POSTGRES_* make the URL"),
      ReadWith("POSTGRES_USER", VarType::kText, "", "PostgreSQL",
               "PostgreSQL user (with POSTGRES_DB)"),
      Secret(ReadWith("POSTGRES_PASSWORD", VarType::kText, "", "PostgreSQL",
                      "PostgreSQL password (with POSTGRES_DB)")),
      ReadWith("POSTGRES_HOST", VarType::kText, "localhost", "PostgreSQL",
               "PostgreSQL host (with POSTGRES_DB)"),
      Ranged(ReadWith("POSTGRES_PORT", VarType::kInt, "5432", "PostgreSQL",
                      "PostgreSQL port (with POSTGRES_DB)"),
             {1, 65535}),
      Secret(Custom(
                 "NATS_SERVERS", VarType::kUrlList, "", config_checks::ReadNatsServers,
                 [](const Config& c) { return Join(c.nats_servers); }, "this release",
                 "NATS cluster, comma list of nats:// or tls:// URLs; empty = NATS_URL, else the "
                 "embedded queue"),
             Mask::kUrlList),
      Secret(ReadWith("NATS_URL", VarType::kUrl, "", "this release",
                      "single nats:// or tls:// URL, used when NATS_SERVERS is empty"),
             Mask::kUrlList),
      Text("NATS_USER", "", &Config::nats_user, nullptr, "this release",
           "NATS user name (with NATS_PASSWORD)"),
      Secret(Custom(
          "NATS_PASSWORD", VarType::kText, "", config_checks::ReadNatsPassword,
          [](const Config& c) { return c.nats_password; }, "this release",
          "NATS password (with NATS_USER)")),
      Secret(Custom(
          "NATS_TOKEN", VarType::kText, "", config_checks::ReadNatsToken,
          [](const Config& c) { return c.nats_token; }, "this release",
          "NATS authentication token (instead of user/password)")),
      Text("NATS_CREDS", "", &Config::nats_creds, nullptr, "this release",
           "path of a NATS .creds file (JWT + NKey seed)"),
      Text("NATS_TLS_CA", "", &Config::nats_tls_ca, nullptr, "this release",
           "path of the PEM CA that signed the NATS servers' certificates"),
      Text("NATS_STREAM", "VPNHUB_TASKS", &Config::nats_stream, config_checks::StreamName,
           "this release",
           "JetStream stream of the tasks (subjects vpnhub.tasks.<kind>); letters, digits, _ -"),
      Int("NATS_STREAM_REPLICAS", "1", {1, 5}, &Config::nats_stream_replicas, "this release",
          "copies of the task stream, 1..5 (3 on a 3-node cluster)"),
      Int("NATS_DUPLICATE_WINDOW_SEC", "120", {10, 86400}, &Config::nats_duplicate_window_sec,
          "this release",
          "the stream drops a re-published task within this window, 10..86400 s (longer than "
          "JOB_LEASE_SEC, the relay's hand-over time)"),
      Custom("HTTP_LISTEN", VarType::kHostPort, "127.0.0.1:8080", config_checks::ReadHttpListen,
             ListenAddress, "this release",
             "HTTP listen address host:port (IPv6 as [::1]:8080); port 0 = any free port"),
      Int("HTTP_THREADS", "2", {1, 64}, &Config::http_threads, "this release",
          "HTTP server threads, 1..64"),
      Int("SERVER_CHECK_INTERVAL_SEC", "10", {1, 3600}, &Config::server_check_interval_sec,
          "this release",
          "how often the scheduler probes every enabled VPN server (health), 1..3600 s"),
      Int("SERVER_CHECK_TIMEOUT_SEC", "8", {1, 300}, &Config::server_check_timeout_sec,
          "this release", "a health probe without an answer this long counts as failed, 1..300 s"),
      Int("SERVER_CHECK_CONCURRENCY", "5", {1, 100}, &Config::server_check_concurrency,
          "this release",
          "health probes at once, 1..100 (a hung server holds one of them, never the others)"),
      Int("SERVER_FAIL_THRESHOLD", "3", {1, 100}, &Config::server_fail_threshold, "this release",
          "failed probes in a row that make a server unhealthy (no new keys), 1..100"),
      Int("SERVER_RECOVER_THRESHOLD", "2", {1, 100}, &Config::server_recover_threshold,
          "this release", "answered probes in a row that make it healthy again, 1..100"),
      Int("RECONCILE_INTERVAL_SEC", "300", {0, 86400}, &Config::reconcile_interval_sec,
          "this release",
          "how often the scheduler compares every healthy server's keys with the database and "
          "repairs the drift (and at once when a server becomes healthy again), 0..86400 s "
          "(0 = never by itself: `vpnhub server reconcile` by hand)"),
      Int("RECONCILE_ALERT_THRESHOLD", "20", {1, 1000000}, &Config::reconcile_alert_threshold,
          "this release",
          "drifted keys on one server in one reconciliation above which the admins are alerted "
          "(something else manages it), 1..1000000"),
      Int("EXPIRY_SWEEP_INTERVAL_SEC", "15", {1, 86400}, &Config::expiry_sweep_interval_sec,
          "this release", "how often expired keys are swept, 1..86400 s"),
      Int("JOB_LEASE_SEC", "30", {2, 3600}, &Config::job_lease_sec, "this release",
          "several instances: a scheduled job moves to another instance this long after its runner "
          "died, 2..3600 s (at least twice the job intervals)"),
      Int("RETENTION_DAYS", "30", {0, 3650}, &Config::retention_days, "this release",
          "done tasks and sent/failed messages are deleted this many days after they settled, "
          "0..3650 (0 = keep forever; failed tasks are always kept)"),
      Int("WORKER_CONCURRENCY", "4", {1, 64}, &Config::worker_concurrency, "this release",
          "worker threads, each running one batch of tasks, 1..64"),
      Int("WORKER_BATCH", "64", {1, 1000}, &Config::worker_batch, "this release",
          "most tasks a worker thread claims and commits at once (grows from 1 while tasks are "
          "quick), 1..1000"),
      Int("WORKER_PER_SERVER", "4", {1, 64}, &Config::worker_per_server, "this release",
          "VPN calls in flight to one VPN server at once, 1..64 (at most half of "
          "WORKER_CONCURRENCY, so that a hung server never holds every worker thread)"),
      Int("TASK_MAX_ATTEMPTS", "8", {1, 100}, &Config::task_max_attempts, "this release",
          "attempts before a task fails for good, 1..100"),
      Int("TASK_LEASE_SEC", "60", {1, 3600}, &Config::task_lease_sec, "this release",
          "a claimed task returns to the queue after, 1..3600 s"),
      Int("TASK_RETRY_BASE_MS", "2000", {10, 600000}, &Config::task_retry_base_ms, "this release",
          "first retry delay (doubles per attempt), 10..600000 ms"),
      Int("VPN_CALL_TIMEOUT_MS", "5000", {100, 60000}, &Config::vpn_call_timeout_ms, "this release",
          "deadline of one VPN server call, 100..60000 ms"),
      Custom(
          "WG_DNS", VarType::kText, "1.1.1.1", config_checks::ReadWgDns,
          [](const Config& c) { return c.wg_dns.empty() ? std::string("none") : c.wg_dns; },
          "this release",
          "DNS servers of every WireGuard key's .conf, a comma list of IP addresses, or none "
          "for no DNS line"),
      Custom(
          "LOG_LEVEL", VarType::kChoice, "info", config_checks::ReadLogLevel,
          [](const Config& c) { return std::string(LogLevelName(c.log_level)); }, "this release",
          "debug, info, warn or error"),
      Custom(
          "LOG_FORMAT", VarType::kChoice, "json", config_checks::ReadLogFormat,
          [](const Config& c) { return std::string(c.log_format_json ? "json" : "text"); },
          "this release", "json or text (one line per event on stderr)"),
  });

  return *kVariables;
}

const ConfigVar* FindConfigVariable(std::string_view name) {
  for (const auto& var : ConfigVariables()) {
    if (var.name == name) return &var;
  }
  return nullptr;
}

}  // namespace vpnhub::app
