// Issue 16 figure: the reconciliation listing time of one panel, ListKeys through a kind's own
// adapter (no wrappers) against a running server or fake, RUNS times; prints the keys listed and
// the time of each run, then min / median / max in ms.
//
//   vpnhub_adapter_list_bench --kind KIND --setting NAME=VALUE ... [--runs 5] [--deadline-ms 30000]
//
// bench/panel_list.py starts a panel fake, seeds it with 10,000 users and calls this.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "vpn/kinds.hpp"

int main(int argc, char** argv) {
  using namespace vpnhub;
  std::string kind;
  Server server;
  server.id = 1;
  server.capacity = 1;
  int runs = 5;
  int deadline_ms = 30000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--kind") {
      kind = value;
    } else if (flag == "--setting") {
      const auto eq = value.find('=');
      if (eq == std::string::npos) {
        std::fprintf(stderr, "--setting wants NAME=VALUE\n");
        return 2;
      }
      server.settings[value.substr(0, eq)] = value.substr(eq + 1);
    } else if (flag == "--runs") {
      runs = std::atoi(value.c_str());
    } else if (flag == "--deadline-ms") {
      deadline_ms = std::atoi(value.c_str());
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  auto kinds = vpn::BuiltinKinds();
  if (!kinds.ok()) return 1;
  auto spec = kinds->Find(kind);
  if (!spec.ok()) {
    std::fprintf(stderr, "%s\n", spec.status().ToString().c_str());
    return 2;
  }
  server.kind = kind;
  vpn::BackendOptions options;
  options.call_deadline = std::chrono::milliseconds(deadline_ms);
  auto backend = (*spec)->make_backend(options);
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    auto keys = backend->ListKeys(server);
    const double took =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!keys.ok()) {
      std::fprintf(stderr, "ListKeys: %s\n", keys.status().ToString().c_str());
      return 1;
    }
    std::printf("run %d: %zu keys in %.1f ms\n", r + 1, keys->size(), took);
    ms.push_back(took);
  }
  std::sort(ms.begin(), ms.end());
  if (!ms.empty()) {
    std::printf("list_keys %s: min %.1f ms, median %.1f ms, max %.1f ms over %d runs\n",
                kind.c_str(), ms.front(), ms[ms.size() / 2], ms.back(), runs);
  }
  return 0;
}
