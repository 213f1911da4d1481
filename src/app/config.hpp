#pragma once
// Typed, strictly checked configuration from environment variables (plus an optional `.env`).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/config_vars.hpp"
#include "app/env_file.hpp"
#include "core/domain.hpp"
#include "core/ports/event_log.hpp"

namespace vpnhub::app {

// The effective configuration. Obtain it from ParseConfig: the defaults live in the variables'
// descriptors (ConfigVariables(), config_vars.hpp), so a default-constructed Config is not a
// valid configuration (ParseConfig({}) is the all-defaults one). Each field is filled by the
// descriptor of its variable.
struct Config {
  // Telegram.
  std::string tg_token;                 // secret; empty = bot disabled
  std::vector<TgId> admin_tg_ids;       // ADMIN_TG_ID, in the given order
  std::string name;                     // NAME: shown to users
  std::string default_lang;             // LANGUAGES: "en" or "ru"
  std::string telegram_api_url;         // without a trailing '/'
  std::string telegram_webhook_url;     // empty = long polling
  std::string telegram_webhook_secret;  // secret; empty = derived from tg_token
  int telegram_poll_timeout_sec = 0;
  int telegram_rate_per_sec = 0;
  int telegram_chat_interval_ms = 0;
  int alert_cooldown_sec = 0;
  int notice_interval_sec = 0;
  bool tg_stars = true;  // TG_STARS: selling with Telegram Stars (see payments::ProvidersConfig)
  // Channel-follow gate.
  bool check_follow = false;
  std::optional<std::int64_t> id_channel;  // set whenever check_follow is
  std::string link_channel;                // "" or https://t.me/... or @name
  std::string name_channel;
  // Sales.
  std::vector<Tariff> tariffs;        // MONTH_OPTIONS x MONTH_COST paired by position
  std::int64_t trial_period_sec = 0;  // 0 = no trial
  // Billing (issue 13): read now, used by usecases::BillingService.
  std::string currency;                          // CURRENCY: what MONTH_COST is priced in
  std::vector<std::int64_t> tariff_stars;        // MONTH_COST_STARS by tariff; empty = no Stars
  int order_ttl_sec = 0;                         // an unpaid order can be paid this long
  int referral_bonus_days = 0;                   // to the referrer per paid order of an invitee
  int referral_invitee_days = 0;                 // added to an invitee's trial
  int free_switches_per_key = 0;                 // location switches without an order
  std::int64_t price_switch_location = 0;        // a paid switch, in CURRENCY
  std::int64_t price_switch_location_stars = 0;  // a paid switch, in Stars
  // Payment providers over HTTP (issue 14): each provider's own variables (declared in its
  // payments::ProviderSpec) by name, as read; "" = unset.
  std::map<std::string, std::string> provider_settings;
  std::string payment_webhook_base_url;  // public base of /pay/<provider>; "" = unset
  std::string payment_return_url;        // where a provider's page sends the person back
  int payment_check_first_sec = 0;       // first reconciliation question after the invoice
  int payment_reconcile_interval_sec = 0;
  std::int64_t limit_gb = 0;  // 0 = unlimited
  int limit_ip = 0;           // 0 = unlimited
  // Subscription links (issue 18).
  std::string subscription_base_url;     // public https base of /sub/<token>; "" = off
  std::string subscription_signing_key;  // secret; required when the base is set
  std::string support_url;               // support-url header; "" = none
  int subscription_update_hours = 12;    // profile-update-interval
  int subscription_cache_mb = 256;       // the in-memory cache of subscription documents
  // Infrastructure.
  std::string database_url;               // secret password part; sqlite:// or postgres(ql)://
  std::vector<std::string> nats_servers;  // empty = embedded queue
  std::string nats_user, nats_password;   // both or neither
  std::string nats_token;                 // secret
  std::string nats_creds;                 // path of a .creds file
  std::string nats_tls_ca;                // path of a PEM CA file; turns TLS on
  std::string nats_stream;                // the task stream's name
  int nats_stream_replicas = 0;
  int nats_duplicate_window_sec = 0;
  std::string http_host;  // IPv6 without brackets ("::1")
  int http_port = 0;      // 0..65535; 0 = any free port
  int http_threads = 0;
  // Jobs and the task worker.
  int server_check_interval_sec = 0;
  int server_check_timeout_sec = 0;
  int server_check_concurrency = 0;
  int server_fail_threshold = 0;
  int server_recover_threshold = 0;
  int reconcile_interval_sec = 0;
  int reconcile_alert_threshold = 0;
  int expiry_sweep_interval_sec = 0;
  int job_lease_sec = 0;
  int retention_days = 0;  // 0 = keep settled tasks and messages forever
  int worker_concurrency = 0;
  int worker_batch = 0;
  int worker_per_server = 0;
  int task_max_attempts = 0;
  int task_lease_sec = 0;
  int task_retry_base_ms = 0;
  int vpn_call_timeout_ms = 0;
  // WG_DNS: "1.1.1.1" or "a, b"; empty (WG_DNS=none): no DNS line in WireGuard .conf files.
  std::string wg_dns;
  // Logging.
  ports::LogLevel log_level = ports::LogLevel::kInfo;
  bool log_format_json = true;  // LOG_FORMAT=json; false = text

  bool bot_enabled() const { return !tg_token.empty(); }
  bool nats_enabled() const { return !nats_servers.empty(); }
  bool IsAdmin(TgId id) const;
};

// One rejected variable. `value` is what was read (masked for secrets; empty when unset);
// `expected` says what would have been accepted and, where useful, what was wrong ("..., got 2").
// Errors from the `.env` file name "path:line" and carry the masked line as `value`.
struct ConfigError {
  std::string name;
  std::string value;
  std::string expected;
};

// Parses every variable, in ConfigVariables() order, with its descriptor's `parse`, and collects
// every error (one per bad variable, never stopping at the first; values masked as the
// descriptor says). Rules shared by all variables: unknown names are ignored; a value is trimmed of
// surrounding whitespace; an unset or blank variable takes its default; integers are strict
// (whole string, optional sign, no junk, overflow detected); comma lists drop blanks and empty
// items ("1, 2,,3 " -> 1,2,3).
std::variant<Config, std::vector<ConfigError>> ParseConfig(const EnvMap& env);

// The variables a process sees: those in `env_file_path` (when the file exists) overridden by
// `environ` (a NULL-terminated "NAME=value" array, may be null); a variable present in the
// process environment wins even when its value there is empty. Malformed `.env` lines are appended
// to `file_errors` (when not null) and skipped.
EnvMap CollectEnvironment(char** environ, const std::string& env_file_path,
                          std::vector<ConfigError>* file_errors);

// One line per error, each ending in '\n':
//   `  MONTH_OPTIONS="1,3" : expected a comma list of positive month counts with the same length
//   as MONTH_COST (4), got 2`
// Quotes, backslashes and control characters in the value are escaped.
std::string FormatErrors(const std::vector<ConfigError>& errors);

// The effective configuration as NAME=value lines in ConfigVariables() order, each value its
// descriptor's `render` masked by its descriptor's Mask (TG_TOKEN shows only "<bot id>:****", URL
// passwords become ****, other secrets ****). Variables without `render` are folded into another
// (NATS_URL into NATS_SERVERS, POSTGRES_* into DATABASE_URL).
std::string RenderConfig(const Config& config);

// Strict integer: the whole string is an optional sign and decimal digits; nullopt on anything
// else or on overflow.
std::optional<std::int64_t> ParseStrictInt(std::string_view s);

// Comma list: items trimmed, blank items dropped.
std::vector<std::string> SplitCommaList(std::string_view s);

// The path of a URL, without query or fragment ("https://h:8443/tg/hook?x" -> "/tg/hook"); ""
// when it has none. For TELEGRAM_WEBHOOK_URL it is the route the bot serves (ParseConfig accepts
// only webhook URLs with a path other than "/").
std::string WebhookUrlPath(std::string_view url);

// A URL with the password of its user info replaced by **** ("user:****@", or "****@" for a bare
// token) and every password=... value masked. A string without "://" is read as if its first ':'
// were "://" (so "postgres:/u:pw@h" becomes "postgres:/u:****@h"). Text with no '@' and no
// password= is returned unchanged.
std::string MaskUrlSecret(std::string_view url);

}  // namespace vpnhub::app
