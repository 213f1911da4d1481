#include "app/format.hpp"

#include <cstdio>
#include <ctime>

namespace vpnhub::app {

std::string IsoUtc(Time t) {
  std::time_t secs = static_cast<std::time_t>(ToUnixMs(t) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string KeyTimeLeft(const Key& key, Time now) {
  if (key.state != KeyState::kPending && key.state != KeyState::kActive) return "-";
  return HumanLeft(key.expires_at - now);
}

std::string HumanLeft(Duration d) {
  long long s = d.count() / 1000;
  if (s <= 0) return "expired";
  char buf[48];
  if (s >= 86400) {
    std::snprintf(buf, sizeof buf, "%lldd %lldh", s / 86400, (s % 86400) / 3600);
  } else if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh %lldm", s / 3600, (s % 3600) / 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%lldm %llds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%llds", s);
  }
  return buf;
}

}  // namespace vpnhub::app
