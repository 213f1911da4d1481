#include "payments/common/iso_time.hpp"

#include <ctime>

namespace vpnhub::payments {
namespace {

// The number of `n` digits at `pos`, or -1 when they are not all digits.
int Digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

std::string IsoUtc(Time t) {
  const std::time_t secs = static_cast<std::time_t>(ToUnixMs(t) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<Time> ParseIsoUtc(std::string_view s) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = Digits(s, 0, 4) - 1900;
  tm.tm_mon = Digits(s, 5, 2) - 1;
  tm.tm_mday = Digits(s, 8, 2);
  tm.tm_hour = Digits(s, 11, 2);
  tm.tm_min = Digits(s, 14, 2);
  tm.tm_sec = Digits(s, 17, 2);
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_hour < 0 ||
      tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 59) {
    return std::nullopt;
  }
  const std::tm asked = tm;
  std::size_t pos = 19;
  std::int64_t ms = 0;
  if (s[pos] == '.') {
    std::size_t n = 0;
    while (pos + 1 + n < s.size() && s[pos + 1 + n] >= '0' && s[pos + 1 + n] <= '9') ++n;
    if (n < 1 || n > 9) return std::nullopt;
    for (std::size_t i = 0; i < 3; ++i) ms = ms * 10 + (i < n ? s[pos + 1 + i] - '0' : 0);
    pos += 1 + n;
  }
  const std::string_view zone = s.substr(pos);
  if (zone != "Z" && zone != "+00:00") return std::nullopt;
  const std::time_t secs = timegm(&tm);
  // timegm normalises 2026-02-30 to March 2nd: such a date is not a calendar day.
  if (tm.tm_mday != asked.tm_mday || tm.tm_mon != asked.tm_mon) return std::nullopt;
  return FromUnixMs(static_cast<std::int64_t>(secs) * 1000 + ms);
}

}  // namespace vpnhub::payments
