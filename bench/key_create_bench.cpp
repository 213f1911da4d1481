// Issue 15 figure: key create -> active, per server kind, at a steady rate.
//
// What it measures: the path `vpnhub key create` takes, in one process, for COUNT keys of COUNT
// different people issued at RATE per second: the issue commit (user, key, provisioning task), the
// claim of the task, the backend's CreateKey and FetchRemoteData against the real server (or the
// fake) the location's server points at, and the commit that makes the key active. A key's
// latency runs from just before its issue to the activation commit. Keys are issued on schedule
// (open loop): a slow key does not delay the next one's start, so queueing shows in the figures.
// What it leaves out: the queue's pick-up delay when a separate worker runs the task (the CLI and
// a nudged worker run it at once), and the person's message.
//
// The configuration comes from the environment as for `vpnhub` (DATABASE_URL, VPN_CALL_TIMEOUT_MS,
// WORKER_PER_SERVER, ...); bench/key_create.py sets up each kind's server and calls this.
//
//   vpnhub_key_create_bench --location L [--count 1000] [--rate 50] [--threads 16] [--tg-base N]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/cli_support.hpp"
#include "app/context.hpp"
#include "percentile.hpp"

namespace {

using namespace vpnhub;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string location;
  int count = 1000;
  double rate = 50;
  int threads = 16;
  long long tg_base = 7'000'000'000;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "%s\nusage: vpnhub_key_create_bench --location L [--count N] [--rate PER_SEC] "
               "[--threads N] [--tg-base ID]\n",
               why);
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") Usage("Key create -> active at a steady rate (issue 15).");
    if (i + 1 >= argc) Usage(("missing value of " + arg).c_str());
    const std::string v = argv[++i];
    if (arg == "--location") a.location = v;
    else if (arg == "--count") a.count = std::atoi(v.c_str());
    else if (arg == "--rate") a.rate = std::atof(v.c_str());
    else if (arg == "--threads") a.threads = std::atoi(v.c_str());
    else if (arg == "--tg-base") a.tg_base = std::atoll(v.c_str());
    else Usage(("unknown option " + arg).c_str());
  }
  if (a.location.empty() || a.count <= 0 || a.rate <= 0 || a.threads <= 0)
    Usage("--location is required; --count, --rate and --threads must be positive");
  return a;
}

// One key, as `key create` does it: issue, claim its task, run it. The latency in ms, or a
// negative value when the key did not become active.
double CreateOne(app::Context& ctx, const std::string& location, TgId tg, std::string* error) {
  const auto start = Clock::now();
  usecases::IssueKeyRequest req;
  req.tg_id = tg;
  req.location_name = location;
  req.duration = std::chrono::hours(24 * 30);
  auto issued = ctx.keys->Issue(req);
  if (!issued.ok()) {
    *error = issued.status().message();
    return -1;
  }
  std::optional<Task> claimed;
  Status st = ctx.store->Write(ports::WriteKind::kQueue, [&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto r, tx.tasks().ClaimTask(issued->task_id, ctx.clock.Now(),
                                                         std::chrono::seconds(60)));
    claimed = r;
    return Status::Ok();
  });
  if (!st.ok() || !claimed) {
    *error = st.ok() ? "task not claimable" : st.message();
    return -1;
  }
  if (ctx.executor->RunClaimed(*claimed) != usecases::TaskOutcome::kDone) {
    *error = "the provisioning task did not finish";
    return -1;
  }
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = Parse(argc, argv);
  auto ctx_or = app::MakeContext(app::cli::LoadConfigOrExit(), /*quiet_log=*/true);
  if (!ctx_or.ok()) {
    std::fprintf(stderr, "cannot open the context: %s\n", ctx_or.status().message().c_str());
    return 1;
  }
  app::Context& ctx = **ctx_or;

  std::vector<double> latencies(args.count, -1);
  std::atomic<int> next{0};
  std::mutex error_mu;
  std::string first_error;
  const auto t0 = Clock::now();
  const auto interval = std::chrono::duration<double>(1.0 / args.rate);
  std::vector<std::thread> pool;
  for (int t = 0; t < args.threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < args.count; i = next++) {
        std::this_thread::sleep_until(t0 + std::chrono::duration_cast<Clock::duration>(interval * i));
        std::string error;
        latencies[i] = CreateOne(ctx, args.location, args.tg_base + i, &error);
        if (latencies[i] < 0) {
          std::lock_guard<std::mutex> lock(error_mu);
          if (first_error.empty()) first_error = error;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();

  std::vector<double> ok;
  for (double l : latencies)
    if (l >= 0) ok.push_back(l);
  std::printf("keys %d active %zu failed %zu in %.1f s (target rate %.0f/s)\n", args.count,
              ok.size(), args.count - ok.size(), wall, args.rate);
  std::printf("create -> active ms: p50 %.1f p99 %.1f max %.1f\n", bench::Percentile(ok, 0.50),
              bench::Percentile(ok, 0.99), bench::Percentile(ok, 1.0));
  if (!first_error.empty()) std::printf("first error: %s\n", first_error.c_str());
  return ok.size() == latencies.size() ? 0 : 1;
}
