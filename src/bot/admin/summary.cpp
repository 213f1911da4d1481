// The admin summary. The router has checked BotService::IsAdmin before any of this runs.
#include <string>

#include "bot/callback_data.hpp"
#include "bot/handlers.hpp"
#include "bot/i18n/i18n.hpp"

namespace vpnhub::bot::admin {

using i18n::Text;

namespace {

constexpr std::size_t kMaxServerLines = 40;

std::string Count(const std::map<KeyState, std::int64_t>& by_state, KeyState state) {
  auto it = by_state.find(state);
  return std::to_string(it == by_state.end() ? 0 : it->second);
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
    const bool up = server.enabled && server.healthy;
    out +=
        i18n::Format(lang, Text::kAdminServerLine,
                     {{"name", server.name},
                      {"location", s.servers[i].location},
                      {"health", i18n::T(lang, up ? Text::kAdminHealthy : Text::kAdminUnhealthy)},
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

Status ShowSummary(Conversation& c) {
  VPNHUB_ASSIGN_OR_RETURN(auto summary, c.service().Summary());
  // No i18n text for "Refresh" yet: the arrow reads the same in every language.
  InlineKeyboard kb = {
      {InlineButton{"🔄", FormatCallbackData(Action(CallbackAction::kAdminRefresh)), ""},
       user::BackKeyboard(c.lang()).front().front()}};
  return c.Say(RenderSummary(c.lang(), summary), std::move(kb));
}

}  // namespace vpnhub::bot::admin
