#pragma once
// Shared bits of the shadowsocks unit tests.
#include <chrono>
#include <string>

#include "core/domain.hpp"

namespace vpnhub::vpn::test {

using Clock = std::chrono::steady_clock;

// The per-call deadline the unit tests give clients and backends.
inline constexpr std::chrono::milliseconds kDeadline(300);
// Scheduling noise allowed on top of a deadline before a test calls it a hang.
inline constexpr std::chrono::milliseconds kSlack(700);

inline std::chrono::milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// A shadowsocks server owning ports 20000..20009 on the ss-manager at `manager`.
inline Server MakeServer(const std::string& manager) {
  Server s;
  s.id = 7;
  s.name = "ss-1";
  s.kind = "shadowsocks";
  s.public_host = "vpn.example.com";
  s.capacity = 10;
  s.settings = {{"manager", manager}, {"port_from", "20000"}, {"port_to", "20009"}};
  return s;
}

inline Key MakeKey(int slot, const std::string& secret) {
  Key k;
  k.id = 100 + slot;
  k.slot = slot;
  k.secret = secret;
  k.remote_name = "vpnhub-42-abc";
  return k;
}

}  // namespace vpnhub::vpn::test
