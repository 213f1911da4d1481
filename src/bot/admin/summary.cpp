// The admin summary. The router has checked BotService::IsAdmin before any of this runs.
#include <string>
#include <vector>

#include "bot/callback_data.hpp"
#include "bot/handlers.hpp"
#include "bot/i18n/i18n.hpp"
#include "core/text_rules.hpp"

namespace vpnhub::bot::admin {

using i18n::Text;

namespace {

constexpr std::size_t kMaxServerLines = 40;

std::string Count(const std::map<KeyState, std::int64_t>& by_state, KeyState state) {
  auto it = by_state.find(state);
  return std::to_string(it == by_state.end() ? 0 : it->second);
}

constexpr i18n::Phrase kSalesHeader = {"💰 <b>Sales</b>", "💰 <b>Продажи</b>"};
constexpr i18n::Phrase kRevenueToday = {"Revenue today (UTC):", "Выручка за сегодня (UTC):"};
constexpr i18n::Phrase kRevenueMonth = {"Revenue, last 30 days:", "Выручка за 30 дней:"};
constexpr i18n::Phrase kRevenueLine = {"• {provider}: {amount} {currency} ({payments} payments)",
                                       "• {provider}: {amount} {currency} (платежей: {payments})"};
constexpr i18n::Phrase kNoRevenue = {"• none", "• нет"};
constexpr i18n::Phrase kPaidOrders = {"Paid orders: {today} today, {month} in 30 days",
                                      "Оплаченных заказов: {today} сегодня, {month} за 30 дней"};
constexpr i18n::Phrase kConversion = {
    "Trial → paid: {paid} of {trials} ({percent}%): people with a trial who paid at or after "
    "taking it, of all people with a trial",
    "Пробный → оплата: {paid} из {trials} ({percent}%): люди с пробным доступом, оплатившие "
    "после него, из всех людей с пробным доступом"};

constexpr i18n::Phrase kServerDisabled = {"disabled", "отключён"};
constexpr i18n::Phrase kHealthSince = {"{health} since {time}", "{health} с {time}"};
constexpr i18n::Phrase kFailingProbes = {"{failures} failed probes in a row",
                                         "неудачных проверок подряд: {failures}"};

// What the health job last decided about the server and since when (never changed: no time);
// a healthy server whose last probes failed says so before it leaves the pool.
std::string HealthOf(std::string_view lang, const Server& server) {
  if (!server.enabled) return i18n::T(lang, kServerDisabled);
  std::string health = i18n::T(lang, server.healthy ? Text::kAdminHealthy : Text::kAdminUnhealthy);
  if (server.health_changed_at) {
    health =
        i18n::Format(lang, kHealthSince,
                     {{"health", health}, {"time", FormatUtcMinute(*server.health_changed_at)}});
  }
  if (server.healthy && server.consecutive_failures > 0) {
    health += ", " + i18n::Format(lang, kFailingProbes,
                                  {{"failures", std::to_string(server.consecutive_failures)}});
  }
  return health;
}

std::string RevenueLines(std::string_view lang, const std::vector<RevenueLine>& lines) {
  if (lines.empty()) return i18n::T(lang, kNoRevenue) + "\n";
  std::string out;
  for (const RevenueLine& l : lines) {
    out += i18n::Format(lang, kRevenueLine,
                        {{"provider", l.provider},
                         {"amount", std::to_string(l.amount)},
                         {"currency", l.currency},
                         {"payments", std::to_string(l.payments)}}) +
           "\n";
  }
  return out;
}

}  // namespace

std::string RenderSummary(std::string_view lang, const usecases::AdminSummary& s) {
  std::string out = i18n::T(lang, Text::kAdminTitle) + "\n\n";
  out += i18n::Format(
             lang, Text::kAdminUsers,
             {{"total", std::to_string(s.users_total)}, {"today", std::to_string(s.users_today)}}) +
         "\n";
  const auto& keys = s.stats.keys_by_state;
  out += i18n::Format(lang, Text::kAdminKeys,
                      {{"active", Count(keys, KeyState::kActive)},
                       {"pending", Count(keys, KeyState::kPending)},
                       {"revoking", Count(keys, KeyState::kRevoking)},
                       {"failed", Count(keys, KeyState::kFailed)}}) +
         "\n\n";
  out += i18n::T(lang, Text::kAdminServersHeader) + "\n";
  if (s.servers.empty()) out += i18n::T(lang, Text::kAdminNoServers) + "\n";
  for (std::size_t i = 0; i < s.servers.size() && i < kMaxServerLines; ++i) {
    const Server& server = s.servers[i].server;
    out += i18n::Format(lang, Text::kAdminServerLine,
                        {{"name", server.name},
                         {"location", s.servers[i].location},
                         {"health", HealthOf(lang, server)},
                         {"used", std::to_string(server.used_slots)},
                         {"capacity", std::to_string(server.capacity)}}) +
           "\n";
  }
  if (s.servers.size() > kMaxServerLines) {
    out += "… +" + std::to_string(s.servers.size() - kMaxServerLines) + "\n";
  }
  // Running tasks are still to be done, so they count as pending.
  std::int64_t pending = 0;
  std::int64_t failed = 0;
  for (const auto& [kind_state, n] : s.stats.tasks) {
    if (kind_state.second == TaskState::kPending || kind_state.second == TaskState::kRunning) {
      pending += n;
    } else if (kind_state.second == TaskState::kFailed) {
      failed += n;
    }
  }
  out += "\n" +
         i18n::Format(lang, Text::kAdminTasks,
                      {{"pending", std::to_string(pending)}, {"failed", std::to_string(failed)}});
  return out;
}

std::string RenderSales(std::string_view lang, const BillingFigures& f) {
  std::string out = i18n::T(lang, kSalesHeader) + "\n";
  out += i18n::T(lang, kRevenueToday) + "\n" + RevenueLines(lang, f.today);
  out += i18n::T(lang, kRevenueMonth) + "\n" + RevenueLines(lang, f.month);
  out += i18n::Format(lang, kPaidOrders,
                      {{"today", std::to_string(f.paid_orders_today)},
                       {"month", std::to_string(f.paid_orders_month)}}) +
         "\n";
  // Whole percent, rounded down; 0 when nobody took a trial.
  const std::int64_t percent = f.trial_users > 0 ? f.trial_then_paid * 100 / f.trial_users : 0;
  out += i18n::Format(lang, kConversion,
                      {{"paid", std::to_string(f.trial_then_paid)},
                       {"trials", std::to_string(f.trial_users)},
                       {"percent", std::to_string(percent)}});
  return out;
}

Status ShowSummary(Conversation& c) {
  VPNHUB_ASSIGN_OR_RETURN(auto summary, c.service().Summary());
  std::string text = RenderSummary(c.lang(), summary);
  if (usecases::BillingService* billing = c.billing(); billing != nullptr) {
    VPNHUB_ASSIGN_OR_RETURN(auto figures, billing->Figures());
    text += "\n\n" + RenderSales(c.lang(), figures);
  }
  // No i18n text for "Refresh" yet: the arrow reads the same in every language.
  InlineKeyboard kb = {
      {InlineButton{"🔄", FormatCallbackData(Action(CallbackAction::kAdminRefresh)), ""},
       user::BackKeyboard(c.lang()).front().front()}};
  return c.Say(std::move(text), std::move(kb));
}

}  // namespace vpnhub::bot::admin
