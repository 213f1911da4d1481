// Issue 16 figure: the reconciliation listing of one server -- VpnBackend::ListKeys through the
// process's backend stack (the kind's adapter, metered, gated), as a reconciliation would call it.
//
// What it measures: the wall time of ListKeys(server) for the server --server-id of the database
// the environment names (DATABASE_URL, VPN_CALL_TIMEOUT_MS, ... as for `vpnhub`), --repeat times
// in a row on one backend (so the first run pays the login and the later ones reuse the session),
// and the number of keys listed. bench/xui_list.py sets up a fake 3x-ui holding 10,000 clients and
// calls this.
//
//   vpnhub_list_keys_bench --server-id N [--repeat 5]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "app/cli_support.hpp"
#include "app/context.hpp"
#include "percentile.hpp"

namespace {

using namespace vpnhub;
using Clock = std::chrono::steady_clock;

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr, "%s\nusage: vpnhub_list_keys_bench --server-id N [--repeat N]\n", why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  long long server_id = 0;
  int repeat = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") Usage("ListKeys of one server, timed (issue 16).");
    if (i + 1 >= argc) Usage(("missing value of " + arg).c_str());
    const std::string v = argv[++i];
    if (arg == "--server-id")
      server_id = std::atoll(v.c_str());
    else if (arg == "--repeat")
      repeat = std::atoi(v.c_str());
    else
      Usage(("unknown option " + arg).c_str());
  }
  if (server_id <= 0 || repeat <= 0) Usage("--server-id and --repeat must be positive");

  auto ctx_or = app::MakeContext(app::cli::LoadConfigOrExit(), /*quiet_log=*/true);
  if (!ctx_or.ok()) {
    std::fprintf(stderr, "cannot open the context: %s\n", ctx_or.status().message().c_str());
    return 1;
  }
  app::Context& ctx = **ctx_or;
  std::optional<Server> server;
  Status st = ctx.store->Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto s, tx.catalog().GetServerToCall(server_id));
    server = std::move(s);
    return Status::Ok();
  });
  if (!st.ok()) {
    std::fprintf(stderr, "server %lld: %s\n", server_id, st.message().c_str());
    return 1;
  }
  auto backend = ctx.backends.For(server->kind);
  if (!backend.ok()) {
    std::fprintf(stderr, "%s\n", backend.status().message().c_str());
    return 1;
  }

  std::vector<double> ms;
  size_t listed = 0;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = Clock::now();
    auto keys = (*backend)->ListKeys(*server);
    const double took = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (!keys.ok()) {
      std::fprintf(stderr, "ListKeys: %s\n", keys.status().ToString().c_str());
      return 1;
    }
    listed = keys->size();
    ms.push_back(took);
    std::printf("run %d: %zu keys in %.1f ms\n", r + 1, listed, took);
  }
  std::printf("ListKeys of %zu keys, %d runs: first %.1f ms, p50 %.1f ms, max %.1f ms\n", listed,
              repeat, ms.front(), bench::Percentile(ms, 0.50), bench::Percentile(ms, 1.0));
  return 0;
}
