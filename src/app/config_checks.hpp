#pragma once
// Internal to the configuration files: how the variables that are more than a ranged integer or a
// plain string are read and checked. The table (config_vars.cpp) names these functions; each
// keeps the rules and the error texts of its variable.
#include <string>

#include "app/config_reader.hpp"

namespace vpnhub::app::config_checks {

// What a text variable must be, for TextVar: "" when `value` is fine, else what was expected.
std::string TgToken(const std::string& value);        // empty, or <bot id>:<30+ token chars>
std::string ShownName(const std::string& value);      // NAME: 1..64 characters of UTF-8 text
std::string ChannelName(const std::string& value);    // NAME_CHANNEL: empty or ShownName
std::string ChannelLink(const std::string& value);    // empty, https://t.me/<x> or @<x>
std::string WebhookUrl(const std::string& value);     // empty, or a URL Telegram can post to
std::string WebhookSecret(const std::string& value);  // 0..256 of A-Z a-z 0-9 _ -
std::string StreamName(const std::string& value);     // 1..64 of letters, digits, _ -

// Variables read by a function of their own (see the table for which).
void ReadAdminIds(ConfigReader& r, Config& c);
void ReadLanguage(ConfigReader& r, Config& c);
void ReadTelegramApiUrl(ConfigReader& r, Config& c);
void ReadCheckFollow(ConfigReader& r, Config& c);
void ReadIdChannel(ConfigReader& r, Config& c);     // after CHECK_FOLLOW: required when it is on
void ReadTariffs(ConfigReader& r, Config& c);       // MONTH_COST and MONTH_OPTIONS, paired
void ReadStarsTariffs(ConfigReader& r, Config& c);  // MONTH_COST_STARS, after ReadTariffs
void ReadCurrency(ConfigReader& r, Config& c);
// PAYMENT_WEBHOOK_BASE_URL and PAYMENT_RETURN_URL: empty or an http(s) URL (no trailing '/').
void ReadPaymentUrls(ConfigReader& r, Config& c);
// SUBSCRIPTION_BASE_URL (else PUBLIC_SUBSCRIPTION_BASE): empty or an https:// URL (no trailing
// '/'), and SUBSCRIPTION_SIGNING_KEY: required (32+ characters) when the base is set.
void ReadSubscription(ConfigReader& r, Config& c);
// SUPPORT_URL and the like: empty or an http(s) URL.
std::string OptionalHttpUrl(const std::string& value);
// Whether `url` is scheme://host... for one of http:// and https://.
bool IsHttpUrl(const std::string& url);             // CURRENCY: 3 upper-case letters, not XTR
void ReadDatabase(ConfigReader& r, Config& c);      // DATABASE_URL, else the POSTGRES_* variables
void ReadNatsServers(ConfigReader& r, Config& c);   // NATS_SERVERS, else NATS_URL
void ReadNatsPassword(ConfigReader& r, Config& c);  // after NATS_USER: both or neither
void ReadNatsToken(ConfigReader& r, Config& c);     // after NATS_USER: not both
void ReadHttpListen(ConfigReader& r, Config& c);
void ReadLogLevel(ConfigReader& r, Config& c);
void ReadWgDns(ConfigReader& r, Config& c);  // none, or a comma list of IP addresses
void ReadLogFormat(ConfigReader& r, Config& c);

}  // namespace vpnhub::app::config_checks
