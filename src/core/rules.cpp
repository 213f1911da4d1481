#include "core/rules.hpp"

#include <algorithm>
#include <iterator>

namespace vpnhub {

Result<Server> ChooseServer(const std::vector<Server>& servers, const std::string& location_name) {
  const Server* best = nullptr;
  for (const auto& s : servers) {
    if (!s.enabled || !s.healthy || s.used_slots >= s.capacity) continue;
    if (best == nullptr || s.used_slots < best->used_slots ||
        (s.used_slots == best->used_slots && s.id < best->id)) {
      best = &s;
    }
  }
  if (best == nullptr) {
    return ResourceExhausted("no capacity in location '" + location_name +
                             "': no enabled, healthy server has a free slot");
  }
  return *best;
}

bool ApplyProbe(Server& server, bool ok, Time now, const HealthThresholds& thresholds) {
  server.last_check_at = now;
  if (ok) {
    ++server.consecutive_successes;
    server.consecutive_failures = 0;
  } else {
    ++server.consecutive_failures;
    server.consecutive_successes = 0;
  }
  const bool flip = server.healthy
                        ? server.consecutive_failures >= std::max(1, thresholds.fail)
                        : server.consecutive_successes >= std::max(1, thresholds.recover);
  if (!flip) return false;
  server.healthy = !server.healthy;
  server.health_changed_at = now;
  return true;
}

std::optional<int> FirstFreeSlot(const std::vector<int>& held, int capacity) {
  int expected = 0;
  for (int slot : held) {
    if (slot < expected) continue;  // duplicates or negatives: ignore
    if (slot > expected) break;
    ++expected;
  }
  if (expected >= capacity) return std::nullopt;
  return expected;
}

Result<std::vector<Tariff>> BuildTariffs(const std::vector<std::int64_t>& prices,
                                         const std::vector<int>& months) {
  if (prices.empty()) return InvalidArgument("at least one price is needed");
  if (prices.size() != months.size()) {
    return InvalidArgument("MONTH_COST has " + std::to_string(prices.size()) +
                           " prices but MONTH_OPTIONS has " + std::to_string(months.size()) +
                           " month counts; they pair by position");
  }
  std::vector<Tariff> out;
  for (std::size_t i = 0; i < prices.size(); ++i) {
    if (months[i] <= 0) return InvalidArgument("month counts must be positive");
    if (prices[i] < 0) return InvalidArgument("prices must not be negative");
    out.push_back({months[i], prices[i]});
  }
  return out;
}

namespace {

constexpr Duration kDay = std::chrono::hours(24);

struct NoticeStep {
  int flag;
  Duration before;  // how long before expiry it is due
};
constexpr NoticeStep kNoticeSteps[] = {
    {kNotice3Days, 3 * kDay}, {kNotice1Day, kDay}, {kNoticeExpired, Duration(0)}};

}  // namespace

NoticePlan PlanNotices(Time expires_at, int flags, Time now) {
  NoticePlan plan{flags, std::nullopt};
  for (const auto& step : kNoticeSteps) {
    if (plan.flags & step.flag) continue;
    Time due = expires_at - step.before;
    // A warning whose moment has already come is pointless: skip it (but never the expiry one).
    if (step.flag != kNoticeExpired && due <= now) {
      plan.flags |= step.flag;
      continue;
    }
    if (!plan.next_notice_at || due < *plan.next_notice_at) plan.next_notice_at = due;
  }
  return plan;
}

int NoticeDue(Time expires_at, int flags, Time now) {
  // The most urgent first: a late job sends only the latest notice, never a stale warning.
  for (auto it = std::rbegin(kNoticeSteps); it != std::rend(kNoticeSteps); ++it) {
    if (flags & it->flag) continue;
    if (expires_at - it->before <= now) return it->flag;
  }
  return 0;
}

Duration RetryPolicy::DelayAfter(int attempts) const {
  Duration d = base;
  for (int i = 1; i < attempts && d < cap; ++i) d *= 2;
  return std::min(d, cap);
}

Status CheckBatchKeyMove(KeyState from, KeyState to) {
  if (!MayTakeSlot(from, to)) return Status::Ok();
  return InvalidArgument(std::string("UpdateKeysState cannot move keys from ") +
                         KeyStateName(from) + " to " + KeyStateName(to) +
                         " (a slot may be taken): use UpdateKeyState");
}

OutgoingMessage KeyMessage(TgId chat_id, MessageKind kind, MessagePriority priority, Id key_id,
                           Time now) {
  OutgoingMessage m;
  m.chat_id = chat_id;
  m.kind = kind;
  m.priority = priority;
  m.subject_id = key_id;
  m.next_attempt_at = now;
  m.created_at = now;
  return m;
}

}  // namespace vpnhub
