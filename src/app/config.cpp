#include "app/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>
#include <limits>
#include <map>
#include <type_traits>

#include "app/logging.hpp"
#include "core/rules.hpp"
#include "core/text_rules.hpp"
#include "util/text.hpp"

namespace vpnhub::app {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n\v\f";
constexpr std::int64_t kMaxMonths = 1200;
constexpr std::int64_t kMaxTrialSec = 10LL * 365 * 24 * 3600;
constexpr std::int64_t kMaxLimit = 1000000;
constexpr std::string_view kDatabaseSchemes[] = {"sqlite://", "postgres://", "postgresql://"};

std::string_view Trim(std::string_view s) {
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

// The only place that knows how each secret variable is masked.
std::string MaskValue(std::string_view name, std::string_view value) {
  if (name == "TG_TOKEN") return MaskTgToken(value);
  if (name == "DATABASE_URL") {
    return StartsWith(value, "sqlite://") ? std::string(value) : MaskUrlSecret(value);
  }
  if (name == "NATS_SERVERS" || name == "NATS_URL") return MaskUrlList(value);
  if (name == "TELEGRAM_WEBHOOK_SECRET" || name == "NATS_PASSWORD" || name == "NATS_TOKEN") {
    return value.empty() ? "" : "****";
  }
  for (const auto& doc : ConfigVariables()) {
    if (doc.name == name && doc.secret) return value.empty() ? "" : "****";
  }
  return std::string(value);
}

std::string_view DefaultOf(std::string_view name) {
  for (const auto& doc : ConfigVariables()) {
    if (doc.name == name) return doc.default_value;
  }
  return {};
}

// What a text shown to people must be (core/text_rules.hpp CheckName).
constexpr char kShownText[] = "1 to 64 characters of UTF-8 text without control characters";

// Reads variables with their defaults and collects errors with masked values.
class Parser {
 public:
  explicit Parser(const EnvMap& env) : env_(env) {}

  // Present with a non-blank value.
  bool IsSet(std::string_view name) const { return !Raw(name).empty(); }

  // The trimmed value, or the default when unset or blank.
  std::string Get(std::string_view name) const {
    const std::string_view raw = Raw(name);
    return std::string(raw.empty() ? DefaultOf(name) : raw);
  }

  void Fail(std::string_view name, std::string_view value, std::string expected) {
    errors_.push_back({std::string(name), MaskValue(name, value), std::move(expected)});
  }

  // An integer in [min, max]; nullopt (and an error) otherwise.
  std::optional<std::int64_t> Int(std::string_view name, std::int64_t min, std::int64_t max) {
    const std::string value = Get(name);
    const auto n = ParseStrictInt(value);
    if (!n || *n < min || *n > max) {
      Fail(name, value, "an integer in " + std::to_string(min) + ".." + std::to_string(max));
      return std::nullopt;
    }
    return n;
  }

  // Stores an integer in [min, max] into `out` (left as is on error).
  template <typename T>
  void Int(std::string_view name, std::int64_t min, std::int64_t max, T* out) {
    if (auto n = Int(name, min, max)) *out = static_cast<T>(*n);
  }

  // A non-empty comma list of integers in [min, max], described by `what` in errors.
  std::optional<std::vector<std::int64_t>> IntList(std::string_view name, std::int64_t min,
                                                   std::int64_t max, const std::string& what) {
    const std::string value = Get(name);
    std::vector<std::int64_t> out;
    for (const auto& item : SplitCommaList(value)) {
      const auto n = ParseStrictInt(item);
      if (!n || *n < min || *n > max) {
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

  std::vector<ConfigError> TakeErrors() { return std::move(errors_); }

 private:
  std::string_view Raw(std::string_view name) const {
    const auto it = env_.find(std::string(name));
    return it == env_.end() ? std::string_view() : Trim(it->second);
  }

  const EnvMap& env_;
  std::vector<ConfigError> errors_;
};

bool IsTokenChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// <bot id digits>:<30 or more of [A-Za-z0-9_-]>
bool IsTokenShape(std::string_view token) {
  const auto colon = token.find(':');
  if (colon == std::string_view::npos || !AllDigits(token.substr(0, colon))) return false;
  const std::string_view secret = token.substr(colon + 1);
  return secret.size() >= 30 && std::all_of(secret.begin(), secret.end(), IsTokenChar);
}

// scheme://<something without spaces or commas>
bool HasSchemeAndHost(std::string_view url, std::initializer_list<std::string_view> schemes) {
  for (std::string_view scheme : schemes) {
    if (StartsWith(url, scheme)) {
      const std::string_view rest = url.substr(scheme.size());
      return !rest.empty() && rest[0] != '/' && !HasSpaceOrComma(rest);
    }
  }
  return false;
}

// What is wrong with TELEGRAM_WEBHOOK_URL for Telegram and for our route, or "" when nothing:
// https://, a host, a port Telegram posts to (443, 80, 88 or 8443; none = 443), no user info or
// fragment, and a path other than "/" (it is the path served on HTTP_LISTEN).
std::string WebhookUrlProblem(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (!StartsWith(url, kScheme)) return "it must start with https://";
  if (HasSpaceOrComma(url)) return "it contains a space or a comma";
  const std::string_view rest = url.substr(kScheme.size());
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return "user info (user@) is not allowed";
  std::string_view host = authority, port;
  bool has_port = false;
  if (StartsWith(authority, "[")) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return "the IPv6 address lacks its ']'";
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return "junk after the IPv6 address";
      has_port = true;
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
    has_port = true;
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || host == "[]") return "it has no host";
  if (has_port && port != "443" && port != "80" && port != "88" && port != "8443") {
    return "port '" + std::string(port) + "' is not one Telegram posts to";
  }
  if (url.find('#') != std::string_view::npos) return "a #fragment is not allowed";
  const std::string path = WebhookUrlPath(url);
  if (path.empty() || path == "/") return "it has no path (the path is the route served)";
  return "";
}

bool IsChannelLink(std::string_view link) {
  constexpr std::string_view kTme = "https://t.me/";
  if (StartsWith(link, kTme)) return link.size() > kTme.size() && !HasSpaceOrComma(link);
  if (link.size() < 2 || link[0] != '@') return false;
  return std::all_of(link.begin() + 1, link.end(), [](char c) {
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

std::optional<bool> ParseBool(std::string_view s) {
  const std::string v = Lower(s);
  if (v == "1" || v == "true") return true;
  if (v == "0" || v == "false") return false;
  return std::nullopt;
}

struct HostPort {
  std::string host;
  int port = 0;
};

// host:port, IPv6 as [addr]:port.
std::optional<HostPort> ParseListen(std::string_view s) {
  std::string_view host, port;
  if (StartsWith(s, "[")) {
    const auto close = s.find(']');
    if (close == std::string_view::npos || s.substr(close + 1, 1) != ":") return std::nullopt;
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    const auto colon = s.find(':');
    if (colon == std::string_view::npos || s.find(':', colon + 1) != std::string_view::npos) {
      return std::nullopt;
    }
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  if (host.empty() || HasSpaceOrComma(host) || !AllDigits(port)) return std::nullopt;
  const auto p = ParseStrictInt(port);
  if (!p || *p > 65535) return std::nullopt;
  return HostPort{std::string(host), static_cast<int>(*p)};
}

void ParseTelegram(Parser& p, Config& cfg) {
  cfg.tg_token = p.Get("TG_TOKEN");
  if (!cfg.tg_token.empty() && !IsTokenShape(cfg.tg_token)) {
    p.Fail("TG_TOKEN", cfg.tg_token,
           "a bot token from @BotFather: digits, ':' and 30 or more of A-Z a-z 0-9 _ -");
  }

  const std::string admins = p.Get("ADMIN_TG_ID");
  for (const auto& item : SplitCommaList(admins)) {
    const auto id = ParseStrictInt(item);
    if (!id || *id <= 0) {
      p.Fail("ADMIN_TG_ID", admins,
             "a comma list of positive Telegram user ids, got '" + item + "'");
      cfg.admin_tg_ids.clear();
      break;
    }
    cfg.admin_tg_ids.push_back(*id);
  }

  cfg.name = p.Get("NAME");
  // Shown to people and in the name of every share link ("NAME | location").
  if (!CheckName("NAME", cfg.name).ok()) p.Fail("NAME", cfg.name, kShownText);

  const std::string lang = Lower(p.Get("LANGUAGES"));
  if (lang == "en" || lang == "ru") {
    cfg.default_lang = lang;
  } else {
    p.Fail("LANGUAGES", p.Get("LANGUAGES"), "en or ru");
  }

  std::string api = p.Get("TELEGRAM_API_URL");
  while (api.size() > 1 && api.back() == '/') api.pop_back();
  if (HasSchemeAndHost(api, {"http://", "https://"})) {
    cfg.telegram_api_url = api;
  } else {
    p.Fail("TELEGRAM_API_URL", p.Get("TELEGRAM_API_URL"), "an http:// or https:// URL");
  }

  cfg.telegram_webhook_url = p.Get("TELEGRAM_WEBHOOK_URL");
  if (!cfg.telegram_webhook_url.empty()) {
    if (const std::string problem = WebhookUrlProblem(cfg.telegram_webhook_url); !problem.empty()) {
      p.Fail("TELEGRAM_WEBHOOK_URL", cfg.telegram_webhook_url,
             "an https:// URL Telegram can reach, on port 443, 80, 88 or 8443 (the only ones "
             "Telegram posts to), with the path to serve on HTTP_LISTEN, e.g. "
             "https://bot.example.com/telegram/webhook; or empty for long polling (" +
                 problem + ")");
    }
  }
  cfg.telegram_webhook_secret = p.Get("TELEGRAM_WEBHOOK_SECRET");
  if (cfg.telegram_webhook_secret.size() > 256 ||
      cfg.telegram_webhook_secret.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
          std::string::npos) {
    p.Fail("TELEGRAM_WEBHOOK_SECRET", cfg.telegram_webhook_secret,
           "1 to 256 characters of A-Z a-z 0-9 _ - (empty = one derived from TG_TOKEN)");
  }
  p.Int("TELEGRAM_POLL_TIMEOUT_SEC", 1, 50, &cfg.telegram_poll_timeout_sec);
  p.Int("TELEGRAM_RATE_PER_SEC", 1, 1000, &cfg.telegram_rate_per_sec);
  p.Int("TELEGRAM_CHAT_INTERVAL_MS", 0, 60000, &cfg.telegram_chat_interval_ms);
  p.Int("ALERT_COOLDOWN_SEC", 1, 604800, &cfg.alert_cooldown_sec);
  p.Int("NOTICE_INTERVAL_SEC", 1, 86400, &cfg.notice_interval_sec);
}

void ParseChannel(Parser& p, Config& cfg) {
  const auto follow = ParseBool(p.Get("CHECK_FOLLOW"));
  if (follow) {
    cfg.check_follow = *follow;
  } else {
    p.Fail("CHECK_FOLLOW", p.Get("CHECK_FOLLOW"), "0, 1, true or false");
  }

  constexpr const char* kChatId = "a non-zero integer chat id such as -1001234567890";
  if (p.IsSet("ID_CHANNEL")) {
    const std::string value = p.Get("ID_CHANNEL");
    const auto id = ParseStrictInt(value);
    if (id && *id != 0) {
      cfg.id_channel = *id;
    } else {
      p.Fail("ID_CHANNEL", value, kChatId);
    }
  } else if (follow.value_or(false)) {
    p.Fail("ID_CHANNEL", "", std::string(kChatId) + " (required when CHECK_FOLLOW=1)");
  }

  cfg.link_channel = p.Get("LINK_CHANNEL");
  if (!cfg.link_channel.empty() && !IsChannelLink(cfg.link_channel)) {
    p.Fail("LINK_CHANNEL", cfg.link_channel, "https://t.me/<channel> or @<channel>");
  }
  cfg.name_channel = p.Get("NAME_CHANNEL");
  if (!cfg.name_channel.empty() && !CheckName("NAME_CHANNEL", cfg.name_channel).ok()) {
    p.Fail("NAME_CHANNEL", cfg.name_channel, kShownText);
  }
}

void ParseSales(Parser& p, Config& cfg) {
  const auto prices = p.IntList("MONTH_COST", 0, std::numeric_limits<std::int64_t>::max(),
                                "a comma list of non-negative integer prices");
  const auto months = p.IntList(
      "MONTH_OPTIONS", 1, kMaxMonths,
      "a comma list of positive month counts (at most " + std::to_string(kMaxMonths) + ")");
  if (prices && months) {
    const std::string n_prices = std::to_string(prices->size());
    const std::string n_months = std::to_string(months->size());
    if (prices->size() != months->size()) {
      // Blame the variable the operator wrote: MONTH_COST alone against the default months is the
      // classic mistake.
      if (p.IsSet("MONTH_COST") && !p.IsSet("MONTH_OPTIONS")) {
        p.Fail("MONTH_COST", p.Get("MONTH_COST"),
               "a comma list of prices with the same length as MONTH_OPTIONS (" + n_months +
                   ", its default " + p.Get("MONTH_OPTIONS") + "), got " + n_prices);
      } else {
        p.Fail("MONTH_OPTIONS", p.Get("MONTH_OPTIONS"),
               "a comma list of positive month counts with the same length as MONTH_COST (" +
                   n_prices + "), got " + n_months);
      }
    } else {
      const std::vector<int> month_counts(months->begin(), months->end());
      auto tariffs = BuildTariffs(*prices, month_counts);
      if (tariffs.ok()) {
        cfg.tariffs = std::move(*tariffs);
      } else {
        p.Fail("MONTH_OPTIONS", p.Get("MONTH_OPTIONS"), tariffs.status().message());
      }
    }
  }

  p.Int("TRIAL_PERIOD", 0, kMaxTrialSec, &cfg.trial_period_sec);
  p.Int("LIMIT_GB", 0, kMaxLimit, &cfg.limit_gb);
  p.Int("LIMIT_IP", 0, kMaxLimit, &cfg.limit_ip);
}

// user:password for a URL: everything but unreserved characters percent-encoded.
std::string UrlUserInfoPart(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

void ParseInfrastructure(Parser& p, Config& cfg) {
  cfg.database_url = p.Get("DATABASE_URL");
  // The Python bot's POSTGRES_* variables, when DATABASE_URL is not given.
  if (!p.IsSet("DATABASE_URL") && p.IsSet("POSTGRES_DB")) {
    std::string userinfo = UrlUserInfoPart(p.Get("POSTGRES_USER"));
    if (p.IsSet("POSTGRES_PASSWORD")) userinfo += ":" + UrlUserInfoPart(p.Get("POSTGRES_PASSWORD"));
    const auto port = p.Int("POSTGRES_PORT", 1, 65535);
    cfg.database_url = "postgresql://" + (userinfo.empty() ? "" : userinfo + "@") +
                       p.Get("POSTGRES_HOST") + ":" + std::to_string(port.value_or(5432)) + "/" +
                       UrlUserInfoPart(p.Get("POSTGRES_DB"));
  } else if (!p.IsSet("DATABASE_URL")) {
    for (const char* name : {"POSTGRES_USER", "POSTGRES_PASSWORD"}) {
      if (p.IsSet(name)) {
        p.Fail("POSTGRES_DB", "",
               std::string("a database name (") + name +
                   " is set; POSTGRES_* are used only with POSTGRES_DB)");
        break;
      }
    }
  }
  const bool known_scheme = std::any_of(
      std::begin(kDatabaseSchemes), std::end(kDatabaseSchemes), [&](std::string_view scheme) {
        return StartsWith(cfg.database_url, scheme) && cfg.database_url.size() > scheme.size();
      });
  if (!known_scheme) {
    p.Fail("DATABASE_URL", cfg.database_url,
           "a URL starting with sqlite://, postgres:// or postgresql://");
  } else if (StartsWith(cfg.database_url, "sqlite://")) {
    const std::string_view path = std::string_view(cfg.database_url).substr(9);
    if (path == ":memory:") {
      p.Fail("DATABASE_URL", cfg.database_url,
             "a database file, e.g. sqlite://./data/vpnhub.db (sqlite://:memory: lives inside one "
             "process and is lost when it exits)");
    } else if (path.find('?') != std::string_view::npos) {
      p.Fail("DATABASE_URL", cfg.database_url,
             "sqlite://PATH without ?options (they are not read; the file path goes alone)");
    }
  }

  std::vector<std::string> servers = SplitCommaList(p.Get("NATS_SERVERS"));
  const bool from_url = servers.empty() && p.IsSet("NATS_URL");
  if (from_url) servers = {p.Get("NATS_URL")};
  for (const auto& url : servers) {
    if (HasSchemeAndHost(url, {"nats://", "tls://"})) continue;
    if (from_url) {
      p.Fail("NATS_URL", url, "one nats:// or tls:// URL");
    } else {
      p.Fail("NATS_SERVERS", p.Get("NATS_SERVERS"),
             "a comma list of nats:// or tls:// URLs, got '" + MaskUrlSecret(url) + "'");
    }
    servers.clear();
    break;
  }
  cfg.nats_servers = std::move(servers);
  cfg.nats_user = p.Get("NATS_USER");
  cfg.nats_password = p.Get("NATS_PASSWORD");
  if (cfg.nats_user.empty() != cfg.nats_password.empty()) {
    p.Fail(cfg.nats_user.empty() ? "NATS_PASSWORD" : "NATS_USER",
           cfg.nats_user.empty() ? cfg.nats_password : cfg.nats_user,
           "NATS_USER and NATS_PASSWORD together, or neither");
  }
  cfg.nats_token = p.Get("NATS_TOKEN");
  if (!cfg.nats_token.empty() && !cfg.nats_user.empty()) {
    p.Fail("NATS_TOKEN", cfg.nats_token, "either NATS_TOKEN or NATS_USER/NATS_PASSWORD, not both");
  }
  cfg.nats_creds = p.Get("NATS_CREDS");
  cfg.nats_tls_ca = p.Get("NATS_TLS_CA");
  cfg.nats_stream = p.Get("NATS_STREAM");
  const bool stream_name_ok =
      !cfg.nats_stream.empty() && cfg.nats_stream.size() <= 64 &&
      std::all_of(cfg.nats_stream.begin(), cfg.nats_stream.end(),
                  [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
  if (!stream_name_ok) {
    p.Fail("NATS_STREAM", cfg.nats_stream, "a stream name of letters, digits, _ and -, 1..64");
  }
  p.Int("NATS_STREAM_REPLICAS", 1, 5, &cfg.nats_stream_replicas);
  p.Int("NATS_DUPLICATE_WINDOW_SEC", 10, 86400, &cfg.nats_duplicate_window_sec);

  const std::string listen = p.Get("HTTP_LISTEN");
  if (auto hp = ParseListen(listen)) {
    cfg.http_host = std::move(hp->host);
    cfg.http_port = hp->port;
  } else {
    p.Fail("HTTP_LISTEN", listen, "host:port with a port in 0..65535 (IPv6 as [::1]:8080)");
  }
  p.Int("HTTP_THREADS", 1, 64, &cfg.http_threads);
}

void ParseJobs(Parser& p, Config& cfg) {
  p.Int("SERVER_CHECK_TIMEOUT_SEC", 1, 300, &cfg.server_check_timeout_sec);
  p.Int("SERVER_CHECK_CONCURRENCY", 1, 100, &cfg.server_check_concurrency);
  p.Int("EXPIRY_SWEEP_INTERVAL_SEC", 1, 86400, &cfg.expiry_sweep_interval_sec);
  p.Int("JOB_LEASE_SEC", 2, 3600, &cfg.job_lease_sec);
  p.Int("RETENTION_DAYS", 0, 3650, &cfg.retention_days);
  p.Int("WORKER_CONCURRENCY", 1, 64, &cfg.worker_concurrency);
  p.Int("WORKER_BATCH", 1, 1000, &cfg.worker_batch);
  p.Int("WORKER_PER_SERVER", 1, 64, &cfg.worker_per_server);
  p.Int("TASK_MAX_ATTEMPTS", 1, 100, &cfg.task_max_attempts);
  p.Int("TASK_LEASE_SEC", 1, 3600, &cfg.task_lease_sec);
  p.Int("TASK_RETRY_BASE_MS", 10, 600000, &cfg.task_retry_base_ms);
  p.Int("VPN_CALL_TIMEOUT_MS", 100, 60000, &cfg.vpn_call_timeout_ms);
}

void ParseLogging(Parser& p, Config& cfg) {
  if (auto level = ParseLogLevel(p.Get("LOG_LEVEL"))) {
    cfg.log_level = *level;
  } else {
    p.Fail("LOG_LEVEL", p.Get("LOG_LEVEL"), "debug, info, warn or error");
  }
  const std::string format = Lower(p.Get("LOG_FORMAT"));
  if (format == "json" || format == "text") {
    cfg.log_format_json = format == "json";
  } else {
    p.Fail("LOG_FORMAT", p.Get("LOG_FORMAT"), "json or text");
  }
}

}  // namespace

bool Config::IsAdmin(TgId id) const {
  return std::find(admin_tg_ids.begin(), admin_tg_ids.end(), id) != admin_tg_ids.end();
}

const std::vector<VarDoc>& ConfigVariables() {
  static const std::vector<VarDoc> kVariables = {
      {"TG_TOKEN", "", "Telegram bot token (<bot id>:<30+ chars>); empty disables the bot", true},
      {"ADMIN_TG_ID", "", "admin Telegram user ids, comma list of positive integers", false},
      {"NAME", "VPNHub",
       "service name shown to users and in share-link names (\"NAME | location\"); 1..64 "
       "characters",
       false},
      {"LANGUAGES", "en", "default language: en or ru", false},
      {"TELEGRAM_API_URL", "https://api.telegram.org", "Telegram Bot API base URL, http(s)://",
       false},
      {"TELEGRAM_WEBHOOK_URL", "",
       "public https:// URL Telegram posts updates to: port 443, 80, 88 or 8443, and a path, "
       "which is served on HTTP_LISTEN; empty = long polling",
       false},
      {"TELEGRAM_WEBHOOK_SECRET", "",
       "secret_token checked on every webhook call; empty = one derived from TG_TOKEN (the same "
       "in every instance)",
       true},
      {"TELEGRAM_POLL_TIMEOUT_SEC", "25", "long-polling timeout of getUpdates, 1..50 s", false},
      {"TELEGRAM_RATE_PER_SEC", "30", "messages per second to Telegram in total, 1..1000", false},
      {"TELEGRAM_CHAT_INTERVAL_MS", "1000", "minimum gap between messages to one chat, ms", false},
      {"ALERT_COOLDOWN_SEC", "3600", "one admin alert per subject per this many seconds", false},
      {"NOTICE_INTERVAL_SEC", "60", "how often expiry notices are looked for, 1..86400 s", false},
      {"CHECK_FOLLOW", "0", "require a channel subscription: 0/1 (or true/false)", false},
      {"ID_CHANNEL", "", "channel chat id (e.g. -1001234567890); required when CHECK_FOLLOW=1",
       false},
      {"LINK_CHANNEL", "", "channel link: https://t.me/<name> or @<name>", false},
      {"NAME_CHANNEL", "", "channel name shown to users; 1..64 characters", false},
      {"MONTH_COST", "150,400,750,1400",
       "prices, comma list of integers >= 0, paired with MONTH_OPTIONS by position; checked only: "
       "nothing is sold yet",
       false},
      {"MONTH_OPTIONS", "1,3,6,12",
       "tariff lengths in months, comma list of 1..1200, as many as MONTH_COST; checked only: "
       "nothing is sold yet",
       false},
      {"TRIAL_PERIOD", "259200", "trial length in seconds, 0..315360000; 0 = no trial", false},
      {"LIMIT_GB", "0",
       "traffic cap per key in GB, 0..1000000; 0 = unlimited; recorded on each new key, not "
       "enforced: ss-manager has no traffic limit",
       false},
      {"LIMIT_IP", "0",
       "devices per key, 0..1000000; 0 = unlimited; checked only: no server kind here limits "
       "devices",
       false},
      {"DATABASE_URL", "sqlite://./data/vpnhub.db",
       "sqlite://<path> (a file; no ?options, no :memory:), postgres:// or postgresql:// URL",
       true},
      {"POSTGRES_DB", "", "database name; with DATABASE_URL unset, POSTGRES_* make the URL", false},
      {"POSTGRES_USER", "", "PostgreSQL user (with POSTGRES_DB)", false},
      {"POSTGRES_PASSWORD", "", "PostgreSQL password (with POSTGRES_DB)", true},
      {"POSTGRES_HOST", "localhost", "PostgreSQL host (with POSTGRES_DB)", false},
      {"POSTGRES_PORT", "5432", "PostgreSQL port (with POSTGRES_DB)", false},
      {"NATS_SERVERS", "",
       "NATS cluster, comma list of nats:// or tls:// URLs; empty = "
       "NATS_URL, else the embedded queue",
       true},
      {"NATS_URL", "", "single nats:// or tls:// URL, used when NATS_SERVERS is empty", true},
      {"NATS_USER", "", "NATS user name (with NATS_PASSWORD)", false},
      {"NATS_PASSWORD", "", "NATS password (with NATS_USER)", true},
      {"NATS_TOKEN", "", "NATS authentication token (instead of user/password)", true},
      {"NATS_CREDS", "", "path of a NATS .creds file (JWT + NKey seed)", false},
      {"NATS_TLS_CA", "", "path of the PEM CA that signed the NATS servers' certificates", false},
      {"NATS_STREAM", "VPNHUB_TASKS",
       "JetStream stream of the tasks (subjects vpnhub.tasks.<kind>); letters, digits, _ -", false},
      {"NATS_STREAM_REPLICAS", "1", "copies of the task stream, 1..5 (3 on a 3-node cluster)",
       false},
      {"NATS_DUPLICATE_WINDOW_SEC", "120",
       "the stream drops a re-published task within this window, 10..86400 s (longer than "
       "JOB_LEASE_SEC, the relay's hand-over time)",
       false},
      {"HTTP_LISTEN", "127.0.0.1:8080",
       "HTTP listen address host:port (IPv6 as [::1]:8080); "
       "port 0 = any free port",
       false},
      {"HTTP_THREADS", "2", "HTTP server threads, 1..64", false},
      {"SERVER_CHECK_TIMEOUT_SEC", "8", "VPN server health probe timeout, 1..300 s", false},
      {"SERVER_CHECK_CONCURRENCY", "5", "VPN server probes at once, 1..100", false},
      {"EXPIRY_SWEEP_INTERVAL_SEC", "15", "how often expired keys are swept, 1..86400 s", false},
      {"JOB_LEASE_SEC", "30",
       "several instances: a scheduled job moves to another instance this long after its "
       "runner died, 2..3600 s (at least twice the job intervals)",
       false},
      {"RETENTION_DAYS", "30",
       "done tasks and sent/failed messages are deleted this many days after they settled, "
       "0..3650 (0 = keep forever; failed tasks are always kept)",
       false},
      {"WORKER_CONCURRENCY", "4", "worker threads, each running one batch of tasks, 1..64", false},
      {"WORKER_BATCH", "64",
       "most tasks a worker thread claims and commits at once (grows from 1 while tasks are "
       "quick), 1..1000",
       false},
      {"WORKER_PER_SERVER", "4", "VPN calls in flight to one VPN server at once, 1..64", false},
      {"TASK_MAX_ATTEMPTS", "8", "attempts before a task fails for good, 1..100", false},
      {"TASK_LEASE_SEC", "60", "a claimed task returns to the queue after, 1..3600 s", false},
      {"TASK_RETRY_BASE_MS", "2000", "first retry delay (doubles per attempt), 10..600000 ms",
       false},
      {"VPN_CALL_TIMEOUT_MS", "5000", "deadline of one VPN server call, 100..60000 ms", false},
      {"LOG_LEVEL", "info", "debug, info, warn or error", false},
      {"LOG_FORMAT", "json", "json or text (one line per event on stderr)", false},
  };
  return kVariables;
}

std::optional<std::int64_t> ParseStrictInt(std::string_view s) {
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == '-') return std::nullopt;
  }
  if (s.empty()) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::vector<std::string> SplitCommaList(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    const std::string_view item = Trim(s.substr(start, comma - start));
    if (!item.empty()) out.emplace_back(item);
    start = comma + 1;
  }
  return out;
}

std::string WebhookUrlPath(std::string_view url) {
  const auto scheme = url.find("://");
  const std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  const auto start = rest.find_first_of("/?#");
  if (start == std::string_view::npos || rest[start] != '/') return "";
  const std::string_view path = rest.substr(start);
  return std::string(path.substr(0, path.find_first_of("?#")));
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

std::variant<Config, std::vector<ConfigError>> ParseConfig(const EnvMap& env) {
  Parser p(env);
  Config cfg;
  ParseTelegram(p, cfg);
  ParseChannel(p, cfg);
  ParseSales(p, cfg);
  ParseInfrastructure(p, cfg);
  ParseJobs(p, cfg);
  ParseLogging(p, cfg);
  auto errors = p.TakeErrors();
  if (!errors.empty()) return errors;
  return cfg;
}

EnvMap CollectEnvironment(char** environ, const std::string& env_file_path,
                          std::vector<ConfigError>* file_errors) {
  EnvFile file = ReadEnvFile(env_file_path);
  if (file_errors != nullptr) {
    for (const auto& e : file.errors) {
      std::string where = e.path;
      if (e.line > 0) where += ":" + std::to_string(e.line);
      file_errors->push_back({std::move(where), e.masked_line, e.expected});
    }
  }
  EnvMap env = std::move(file.values);
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view kv(*entry);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  return env;
}

std::string FormatErrors(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) {
    out += "  " + EscapeForLine(e.name, false) + "=\"" + EscapeForLine(e.value, true) +
           "\" : expected " + EscapeForLine(e.expected, false) + "\n";
  }
  return out;
}

std::string RenderConfig(const Config& c) {
  std::vector<std::int64_t> prices;
  std::vector<int> months;
  for (const auto& t : c.tariffs) {
    prices.push_back(t.price);
    months.push_back(t.months);
  }
  std::vector<std::string> nats;
  for (const auto& url : c.nats_servers) nats.push_back(MaskUrlSecret(url));
  const bool v6 = c.http_host.find(':') != std::string::npos;

  const std::map<std::string_view, std::string> values = {
      {"TG_TOKEN", MaskTgToken(c.tg_token)},
      {"ADMIN_TG_ID", Join(c.admin_tg_ids)},
      {"NAME", c.name},
      {"LANGUAGES", c.default_lang},
      {"TELEGRAM_API_URL", c.telegram_api_url},
      {"TELEGRAM_WEBHOOK_URL", c.telegram_webhook_url},
      {"TELEGRAM_WEBHOOK_SECRET", MaskValue("TELEGRAM_WEBHOOK_SECRET", c.telegram_webhook_secret)},
      {"TELEGRAM_POLL_TIMEOUT_SEC", std::to_string(c.telegram_poll_timeout_sec)},
      {"TELEGRAM_RATE_PER_SEC", std::to_string(c.telegram_rate_per_sec)},
      {"TELEGRAM_CHAT_INTERVAL_MS", std::to_string(c.telegram_chat_interval_ms)},
      {"ALERT_COOLDOWN_SEC", std::to_string(c.alert_cooldown_sec)},
      {"NOTICE_INTERVAL_SEC", std::to_string(c.notice_interval_sec)},
      {"CHECK_FOLLOW", c.check_follow ? "1" : "0"},
      {"ID_CHANNEL", c.id_channel ? std::to_string(*c.id_channel) : ""},
      {"LINK_CHANNEL", c.link_channel},
      {"NAME_CHANNEL", c.name_channel},
      {"MONTH_COST", Join(prices)},
      {"MONTH_OPTIONS", Join(months)},
      {"TRIAL_PERIOD", std::to_string(c.trial_period_sec)},
      {"LIMIT_GB", std::to_string(c.limit_gb)},
      {"LIMIT_IP", std::to_string(c.limit_ip)},
      {"DATABASE_URL", MaskValue("DATABASE_URL", c.database_url)},
      {"NATS_SERVERS", Join(nats)},
      {"NATS_USER", c.nats_user},
      {"NATS_PASSWORD", MaskValue("NATS_PASSWORD", c.nats_password)},
      {"NATS_TOKEN", MaskValue("NATS_TOKEN", c.nats_token)},
      {"NATS_CREDS", c.nats_creds},
      {"NATS_TLS_CA", c.nats_tls_ca},
      {"NATS_STREAM", c.nats_stream},
      {"NATS_STREAM_REPLICAS", std::to_string(c.nats_stream_replicas)},
      {"NATS_DUPLICATE_WINDOW_SEC", std::to_string(c.nats_duplicate_window_sec)},
      {"HTTP_LISTEN",
       (v6 ? "[" + c.http_host + "]" : c.http_host) + ":" + std::to_string(c.http_port)},
      {"HTTP_THREADS", std::to_string(c.http_threads)},
      {"SERVER_CHECK_TIMEOUT_SEC", std::to_string(c.server_check_timeout_sec)},
      {"SERVER_CHECK_CONCURRENCY", std::to_string(c.server_check_concurrency)},
      {"EXPIRY_SWEEP_INTERVAL_SEC", std::to_string(c.expiry_sweep_interval_sec)},
      {"JOB_LEASE_SEC", std::to_string(c.job_lease_sec)},
      {"RETENTION_DAYS", std::to_string(c.retention_days)},
      {"WORKER_CONCURRENCY", std::to_string(c.worker_concurrency)},
      {"WORKER_BATCH", std::to_string(c.worker_batch)},
      {"WORKER_PER_SERVER", std::to_string(c.worker_per_server)},
      {"TASK_MAX_ATTEMPTS", std::to_string(c.task_max_attempts)},
      {"TASK_LEASE_SEC", std::to_string(c.task_lease_sec)},
      {"TASK_RETRY_BASE_MS", std::to_string(c.task_retry_base_ms)},
      {"VPN_CALL_TIMEOUT_MS", std::to_string(c.vpn_call_timeout_ms)},
      {"LOG_LEVEL", LogLevelName(c.log_level)},
      {"LOG_FORMAT", c.log_format_json ? "json" : "text"},
  };
  std::string out;
  for (const auto& doc : ConfigVariables()) {
    const auto it = values.find(doc.name);
    if (it == values.end()) continue;  // NATS_URL: folded into NATS_SERVERS
    out += std::string(doc.name) + "=" + EscapeForLine(it->second, false) + "\n";
  }
  return out;
}

}  // namespace vpnhub::app
