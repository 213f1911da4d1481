#include "app/config_checks.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string_view>
#include <vector>

#include "app/logging.hpp"
#include "core/billing.hpp"
#include "core/host_rules.hpp"
#include "core/rules.hpp"
#include "core/text_rules.hpp"

namespace vpnhub::app::config_checks {
namespace {

using config_text::AllDigits;
using config_text::HasSpaceOrComma;
using config_text::Lower;
using config_text::StartsWith;

constexpr std::string_view kDatabaseSchemes[] = {"sqlite://", "postgres://", "postgresql://"};

// What a text shown to people must be (core/text_rules.hpp CheckName).
constexpr char kShownText[] = "1 to 64 characters of UTF-8 text without control characters";

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

}  // namespace

std::string TgToken(const std::string& value) {
  if (value.empty() || IsTokenShape(value)) return "";
  return "a bot token from @BotFather: digits, ':' and 30 or more of A-Z a-z 0-9 _ -";
}

std::string ShownName(const std::string& value) {
  // Shown to people and in the name of every share link ("NAME | location").
  return CheckName("NAME", value).ok() ? "" : kShownText;
}

std::string ChannelName(const std::string& value) {
  return value.empty() || CheckName("NAME_CHANNEL", value).ok() ? "" : kShownText;
}

std::string ChannelLink(const std::string& value) {
  return value.empty() || IsChannelLink(value) ? "" : "https://t.me/<channel> or @<channel>";
}

std::string WebhookUrl(const std::string& value) {
  if (value.empty()) return "";
  const std::string problem = WebhookUrlProblem(value);
  if (problem.empty()) return "";
  return "an https:// URL Telegram can reach, on port 443, 80, 88 or 8443 (the only ones "
         "Telegram posts to), with the path to serve on HTTP_LISTEN, e.g. "
         "https://bot.example.com/telegram/webhook; or empty for long polling (" +
         problem + ")";
}

std::string WebhookSecret(const std::string& value) {
  if (value.size() <= 256 &&
      value.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
          std::string::npos) {
    return "";
  }
  return "1 to 256 characters of A-Z a-z 0-9 _ - (empty = one derived from TG_TOKEN)";
}

std::string StreamName(const std::string& value) {
  const bool ok = !value.empty() && value.size() <= 64 &&
                  std::all_of(value.begin(), value.end(), [](unsigned char c) {
                    return std::isalnum(c) || c == '_' || c == '-';
                  });
  return ok ? "" : "a stream name of letters, digits, _ and -, 1..64";
}

void ReadAdminIds(ConfigReader& r, Config& c) {
  const std::string admins = r.Get("ADMIN_TG_ID");
  for (const auto& item : SplitCommaList(admins)) {
    const auto id = ParseStrictInt(item);
    if (!id || *id <= 0) {
      r.Fail("ADMIN_TG_ID", admins,
             "a comma list of positive Telegram user ids, got '" + item + "'");
      c.admin_tg_ids.clear();
      return;
    }
    c.admin_tg_ids.push_back(*id);
  }
}

void ReadWgDns(ConfigReader& r, Config& c) {
  const std::string value = r.Get("WG_DNS");
  std::string joined;
  if (value == "none") {
    c.wg_dns.clear();
    return;
  }
  for (const auto& item : SplitCommaList(value)) {
    if (!ParseIpv4(item) && !ParseIpv6(item)) {
      r.Fail("WG_DNS", value, "none or a comma list of IPv4/IPv6 addresses, got '" + item + "'");
      return;
    }
    joined += (joined.empty() ? "" : ", ") + item;
  }
  c.wg_dns = joined;
}

void ReadLanguage(ConfigReader& r, Config& c) {
  const std::string lang = Lower(r.Get("LANGUAGES"));
  if (lang == "en" || lang == "ru") {
    c.default_lang = lang;
  } else {
    r.Fail("LANGUAGES", r.Get("LANGUAGES"), "en or ru");
  }
}

void ReadTelegramApiUrl(ConfigReader& r, Config& c) {
  std::string api = r.Get("TELEGRAM_API_URL");
  while (api.size() > 1 && api.back() == '/') api.pop_back();
  if (HasSchemeAndHost(api, {"http://", "https://"})) {
    c.telegram_api_url = api;
  } else {
    r.Fail("TELEGRAM_API_URL", r.Get("TELEGRAM_API_URL"), "an http:// or https:// URL");
  }
}

bool IsHttpUrl(const std::string& url) { return HasSchemeAndHost(url, {"http://", "https://"}); }

void ReadSubscription(ConfigReader& r, Config& c) {
  const char* name = "SUBSCRIPTION_BASE_URL";
  if (!r.IsSet(name) && r.IsSet("PUBLIC_SUBSCRIPTION_BASE")) name = "PUBLIC_SUBSCRIPTION_BASE";
  std::string url = r.Get(name);
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!url.empty() && !HasSchemeAndHost(url, {"https://"})) {
    r.Fail(name, r.Get(name), "empty or an https:// URL");
    return;
  }
  c.subscription_base_url = url;
  c.subscription_signing_key = r.Get("SUBSCRIPTION_SIGNING_KEY");
  if (!url.empty() && c.subscription_signing_key.size() < 32) {
    r.Fail("SUBSCRIPTION_SIGNING_KEY",
           std::to_string(c.subscription_signing_key.size()) + " characters",
           std::string("at least 32 characters when ") + name + " is set");
  }
}

std::string OptionalHttpUrl(const std::string& value) {
  if (value.empty() || IsHttpUrl(value)) return "";
  return "empty or an http:// or https:// URL";
}

void ReadPaymentUrls(ConfigReader& r, Config& c) {
  for (auto [name, field] :
       {std::pair{"PAYMENT_WEBHOOK_BASE_URL", &Config::payment_webhook_base_url},
        std::pair{"PAYMENT_RETURN_URL", &Config::payment_return_url}}) {
    std::string url = r.Get(name);
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!url.empty() && !IsHttpUrl(url)) {
      r.Fail(name, r.Get(name), "empty or an http:// or https:// URL");
      continue;
    }
    c.*field = url;
  }
}

void ReadCheckFollow(ConfigReader& r, Config& c) {
  if (const auto follow = ParseBool(r.Get("CHECK_FOLLOW"))) {
    c.check_follow = *follow;
  } else {
    r.Fail("CHECK_FOLLOW", r.Get("CHECK_FOLLOW"), "0, 1, true or false");
  }
}

void ReadIdChannel(ConfigReader& r, Config& c) {
  constexpr const char* kChatId = "a non-zero integer chat id such as -1001234567890";
  if (r.IsSet("ID_CHANNEL")) {
    const std::string value = r.Get("ID_CHANNEL");
    const auto id = ParseStrictInt(value);
    if (id && *id != 0) {
      c.id_channel = *id;
    } else {
      r.Fail("ID_CHANNEL", value, kChatId);
    }
  } else if (c.check_follow) {
    r.Fail("ID_CHANNEL", "", std::string(kChatId) + " (required when CHECK_FOLLOW=1)");
  }
}

void ReadTariffs(ConfigReader& r, Config& c) {
  const auto prices = r.IntList("MONTH_COST", "a comma list of non-negative integer prices");
  const auto max_months = FindConfigVariable("MONTH_OPTIONS")->range->max;
  const auto months = r.IntList("MONTH_OPTIONS", "a comma list of positive month counts (at most " +
                                                     std::to_string(max_months) + ")");
  if (!prices || !months) return;
  const std::string n_prices = std::to_string(prices->size());
  const std::string n_months = std::to_string(months->size());
  if (prices->size() != months->size()) {
    // Blame the variable the operator wrote: MONTH_COST alone against the default months is the
    // classic mistake.
    if (r.IsSet("MONTH_COST") && !r.IsSet("MONTH_OPTIONS")) {
      r.Fail("MONTH_COST", r.Get("MONTH_COST"),
             "a comma list of prices with the same length as MONTH_OPTIONS (" + n_months +
                 ", its default " + r.Get("MONTH_OPTIONS") + "), got " + n_prices);
    } else {
      r.Fail("MONTH_OPTIONS", r.Get("MONTH_OPTIONS"),
             "a comma list of positive month counts with the same length as MONTH_COST (" +
                 n_prices + "), got " + n_months);
    }
    return;
  }
  const std::vector<int> month_counts(months->begin(), months->end());
  auto tariffs = BuildTariffs(*prices, month_counts);
  if (tariffs.ok()) {
    c.tariffs = std::move(*tariffs);
  } else {
    r.Fail("MONTH_OPTIONS", r.Get("MONTH_OPTIONS"), tariffs.status().message());
  }
}

void ReadStarsTariffs(ConfigReader& r, Config& c) {
  if (!r.IsSet("MONTH_COST_STARS")) return;  // Stars not offered
  const auto prices =
      r.IntList("MONTH_COST_STARS", "a comma list of positive Stars prices (or empty)");
  if (!prices) return;
  const auto months = SplitCommaList(r.Get("MONTH_OPTIONS")).size();
  if (prices->size() != months) {
    r.Fail("MONTH_COST_STARS", r.Get("MONTH_COST_STARS"),
           "a comma list of Stars prices with the same length as MONTH_OPTIONS (" +
               std::to_string(months) + "), got " + std::to_string(prices->size()));
    return;
  }
  c.tariff_stars = *prices;
}

void ReadCurrency(ConfigReader& r, Config& c) {
  const std::string value = r.Get("CURRENCY");
  const bool letters = value.size() == 3 && std::all_of(value.begin(), value.end(), [](char ch) {
                         return ch >= 'A' && ch <= 'Z';
                       });
  if (!letters || value == kStarsCurrency) {
    r.Fail("CURRENCY", value, "an ISO 4217 code of 3 upper-case letters such as RUB (not XTR)");
    return;
  }
  c.currency = value;
}

void ReadDatabase(ConfigReader& r, Config& c) {
  c.database_url = r.Get("DATABASE_URL");
  // The Python bot's POSTGRES_* variables, when DATABASE_URL is not given.
  if (!r.IsSet("DATABASE_URL") && r.IsSet("POSTGRES_DB")) {
    std::string userinfo = UrlUserInfoPart(r.Get("POSTGRES_USER"));
    if (r.IsSet("POSTGRES_PASSWORD")) userinfo += ":" + UrlUserInfoPart(r.Get("POSTGRES_PASSWORD"));
    const auto port = r.Int("POSTGRES_PORT");
    c.database_url = "postgresql://" + (userinfo.empty() ? "" : userinfo + "@") +
                     r.Get("POSTGRES_HOST") + ":" + std::to_string(port.value_or(5432)) + "/" +
                     UrlUserInfoPart(r.Get("POSTGRES_DB"));
  } else if (!r.IsSet("DATABASE_URL")) {
    for (const char* name : {"POSTGRES_USER", "POSTGRES_PASSWORD"}) {
      if (r.IsSet(name)) {
        r.Fail("POSTGRES_DB", "",
               std::string("a database name (") + name +
                   " is set; POSTGRES_* are used only with POSTGRES_DB)");
        break;
      }
    }
  }
  const bool known_scheme = std::any_of(
      std::begin(kDatabaseSchemes), std::end(kDatabaseSchemes), [&](std::string_view scheme) {
        return StartsWith(c.database_url, scheme) && c.database_url.size() > scheme.size();
      });
  if (!known_scheme) {
    r.Fail("DATABASE_URL", c.database_url,
           "a URL starting with sqlite://, postgres:// or postgresql://");
  } else if (StartsWith(c.database_url, "sqlite://")) {
    const std::string_view path = std::string_view(c.database_url).substr(9);
    if (path == ":memory:") {
      r.Fail("DATABASE_URL", c.database_url,
             "a database file, e.g. sqlite://./data/vpnhub.db (sqlite://:memory: lives inside one "
             "process and is lost when it exits)");
    } else if (path.find('?') != std::string_view::npos) {
      r.Fail("DATABASE_URL", c.database_url,
             "sqlite://PATH without ?options (they are not read; the file path goes alone)");
    }
  }
}

void ReadNatsServers(ConfigReader& r, Config& c) {
  std::vector<std::string> servers = SplitCommaList(r.Get("NATS_SERVERS"));
  const bool from_url = servers.empty() && r.IsSet("NATS_URL");
  if (from_url) servers = {r.Get("NATS_URL")};
  for (const auto& url : servers) {
    if (HasSchemeAndHost(url, {"nats://", "tls://"})) continue;
    if (from_url) {
      r.Fail("NATS_URL", url, "one nats:// or tls:// URL");
    } else {
      r.Fail("NATS_SERVERS", r.Get("NATS_SERVERS"),
             "a comma list of nats:// or tls:// URLs, got '" + MaskUrlSecret(url) + "'");
    }
    servers.clear();
    break;
  }
  c.nats_servers = std::move(servers);
}

void ReadNatsPassword(ConfigReader& r, Config& c) {
  c.nats_password = r.Get("NATS_PASSWORD");
  if (c.nats_user.empty() != c.nats_password.empty()) {
    r.Fail(c.nats_user.empty() ? "NATS_PASSWORD" : "NATS_USER",
           c.nats_user.empty() ? c.nats_password : c.nats_user,
           "NATS_USER and NATS_PASSWORD together, or neither");
  }
}

void ReadNatsToken(ConfigReader& r, Config& c) {
  c.nats_token = r.Get("NATS_TOKEN");
  if (!c.nats_token.empty() && !c.nats_user.empty()) {
    r.Fail("NATS_TOKEN", c.nats_token, "either NATS_TOKEN or NATS_USER/NATS_PASSWORD, not both");
  }
}

void ReadHttpListen(ConfigReader& r, Config& c) {
  const std::string listen = r.Get("HTTP_LISTEN");
  if (auto hp = ParseListen(listen)) {
    c.http_host = std::move(hp->host);
    c.http_port = hp->port;
  } else {
    r.Fail("HTTP_LISTEN", listen, "host:port with a port in 0..65535 (IPv6 as [::1]:8080)");
  }
}

void ReadLogLevel(ConfigReader& r, Config& c) {
  if (auto level = ParseLogLevel(r.Get("LOG_LEVEL"))) {
    c.log_level = *level;
  } else {
    r.Fail("LOG_LEVEL", r.Get("LOG_LEVEL"), "debug, info, warn or error");
  }
}

void ReadLogFormat(ConfigReader& r, Config& c) {
  const std::string format = Lower(r.Get("LOG_FORMAT"));
  if (format == "json" || format == "text") {
    c.log_format_json = format == "json";
  } else {
    r.Fail("LOG_FORMAT", r.Get("LOG_FORMAT"), "json or text");
  }
}

}  // namespace vpnhub::app::config_checks
