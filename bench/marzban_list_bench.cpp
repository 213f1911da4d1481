// Issue 16 figure: the reconciliation listing of one Marzban panel, through the marzban adapter
// (MarzbanBackend::ListKeys: GET /api/users page by page, kPageSize users a page, with a warm
// token), timed ROUNDS times. bench/marzban_list.py starts the fake panel with 10,000 users and
// calls this.
//
//   vpnhub_marzban_list_bench --api-url URL --username U --password P [--rounds 5]
//                             [--deadline-ms 10000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "vpn/marzban/marzban_backend.hpp"

int main(int argc, char** argv) {
  using namespace vpnhub;
  std::string url, user, password;
  int rounds = 5;
  long deadline_ms = 10000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--api-url")
      url = argv[i + 1];
    else if (flag == "--username")
      user = argv[i + 1];
    else if (flag == "--password")
      password = argv[i + 1];
    else if (flag == "--rounds")
      rounds = std::atoi(argv[i + 1]);
    else if (flag == "--deadline-ms")
      deadline_ms = std::atol(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  Server server;
  server.id = 1;
  server.kind = vpn::marzban::kKindName;
  server.capacity = 100000;
  server.settings = {{"api_url", url},
                     {"username", user},
                     {"password", password},
                     {"inbound_map", R"({"vless":["VLESS TCP"]})"}};
  vpn::marzban::MarzbanBackend backend{std::chrono::milliseconds(deadline_ms)};
  const Status ping = backend.Ping(server);  // the login is not part of a listing
  if (!ping.ok()) {
    std::fprintf(stderr, "ping: %s\n", ping.ToString().c_str());
    return 1;
  }
  std::vector<double> ms;
  std::size_t keys = 0;
  for (int r = 0; r < rounds; ++r) {
    const auto start = std::chrono::steady_clock::now();
    auto listed = backend.ListKeys(server);
    const auto took = std::chrono::steady_clock::now() - start;
    if (!listed.ok()) {
      std::fprintf(stderr, "ListKeys: %s\n", listed.status().ToString().c_str());
      return 1;
    }
    keys = listed->size();
    ms.push_back(std::chrono::duration<double, std::milli>(took).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("keys listed: %zu (pages of %d)\n", keys, vpn::marzban::kPageSize);
  std::printf("ListKeys ms over %d rounds: min %.0f median %.0f max %.0f\n", rounds, ms.front(),
              ms[ms.size() / 2], ms.back());
  return 0;
}
