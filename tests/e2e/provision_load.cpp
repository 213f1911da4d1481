// The load of the provisioning isolation test (issue 17, test_provision_isolation.py) and of
// bench/hung_server.py: COUNT keys in location L issued at RATE per second (open loop), each one's
// provisioning task run by the embedded worker as `vpnhub serve` runs it (WORKER_CONCURRENCY
// threads, WORKER_BATCH, the per-server gate of WORKER_PER_SERVER, VPN_CALL_TIMEOUT_MS), nudged
// after every issue as serve nudges it after a handled update. Waits until every key on the
// servers named by --measure is active (or --timeout), then prints one JSON line: per server the
// keys, how many became active and the issue -> active latency p50/p99/max in ms, and `p99` over
// the measured servers together. A key's latency runs from its issue commit (created_at) to the
// commit that made it active (updated_at), both from the database, so the polling for the end
// adds nothing to it. Configuration from the environment, as for `vpnhub`.
//
//   vpnhub_provision_load --location L --measure A,B [--count 300] [--rate 50] [--timeout 60]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/cli_support.hpp"
#include "app/context.hpp"
#include "queue/embedded_worker.hpp"

namespace {

using namespace vpnhub;
using SteadyClock = std::chrono::steady_clock;

struct Args {
  std::string location;
  std::set<std::string> measure;
  int count = 300;
  double rate = 50;
  int timeout_sec = 60;
};

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "%s\nusage: vpnhub_provision_load --location L --measure A,B [--count N] "
               "[--rate PER_SEC] [--timeout SEC]\n",
               why.c_str());
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) Usage("missing value of " + arg);
    const std::string v = argv[++i];
    if (arg == "--location") {
      a.location = v;
    } else if (arg == "--measure") {
      std::stringstream names(v);
      for (std::string name; std::getline(names, name, ',');) a.measure.insert(name);
    } else if (arg == "--count") {
      a.count = std::atoi(v.c_str());
    } else if (arg == "--rate") {
      a.rate = std::atof(v.c_str());
    } else if (arg == "--timeout") {
      a.timeout_sec = std::atoi(v.c_str());
    } else {
      Usage("unknown option " + arg);
    }
  }
  if (a.location.empty() || a.measure.empty() || a.count <= 0 || a.rate <= 0) {
    Usage("--location and --measure are required; --count and --rate must be positive");
  }
  return a;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = Parse(argc, argv);
  auto ctx_or = app::MakeContext(app::cli::LoadConfigOrExit(), /*quiet_log=*/true);
  if (!ctx_or.ok()) {
    std::fprintf(stderr, "cannot open the context: %s\n", ctx_or.status().ToString().c_str());
    return 1;
  }
  app::Context& ctx = **ctx_or;
  queue::EmbeddedWorkerOptions wo;
  wo.concurrency = ctx.config.worker_concurrency;
  wo.max_batch = ctx.config.worker_batch;
  wo.lease = std::chrono::seconds(ctx.config.task_lease_sec);
  queue::EmbeddedWorker worker(*ctx.store, *ctx.executor, ctx.clock, *ctx.log, ctx.registry, wo);
  worker.Start();

  std::map<Id, std::string> server_of;  // key id -> server name
  std::vector<Id> measured;
  const auto t0 = SteadyClock::now();
  const auto gap = std::chrono::duration<double>(1.0 / args.rate);
  for (int i = 0; i < args.count; ++i) {
    std::this_thread::sleep_until(t0 + std::chrono::duration_cast<SteadyClock::duration>(gap * i));
    usecases::IssueKeyRequest req;
    req.tg_id = 8'000'000'000 + i;
    req.location_name = args.location;
    req.duration = std::chrono::hours(24 * 30);
    auto issued = ctx.keys->Issue(req);
    if (!issued.ok()) {
      std::fprintf(stderr, "issue %d: %s\n", i, issued.status().ToString().c_str());
      return 1;
    }
    worker.Nudge();
    server_of[issued->key.id] = issued->server.name;
    if (args.measure.count(issued->server.name) > 0) measured.push_back(issued->key.id);
  }

  // Until every measured key is active (or the time is up).
  std::vector<Key> keys;
  const auto deadline = SteadyClock::now() + std::chrono::seconds(args.timeout_sec);
  for (;;) {
    Status st = ctx.store->Read([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(keys, tx.keys().GetKeys(measured));
      return Status::Ok();
    });
    if (!st.ok()) {
      std::fprintf(stderr, "read: %s\n", st.ToString().c_str());
      return 1;
    }
    std::size_t active = 0;
    for (const Key& k : keys) active += k.state == KeyState::kActive ? 1 : 0;
    if (active == measured.size() || SteadyClock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  worker.Stop();

  std::map<std::string, std::vector<double>> latencies;
  std::map<std::string, int> issued_on;
  std::vector<double> all;
  for (const auto& [id, name] : server_of) ++issued_on[name];
  for (const Key& k : keys) {
    if (k.state != KeyState::kActive) continue;
    const double ms =
        std::chrono::duration<double, std::milli>(k.updated_at - k.created_at).count();
    latencies[server_of[k.id]].push_back(ms);
    all.push_back(ms);
  }
  std::printf("{\"servers\": {");
  bool first = true;
  for (const auto& [name, n] : issued_on) {
    const auto& l = latencies[name];
    std::printf(
        "%s\"%s\": {\"keys\": %d, \"measured\": %s, \"active\": %zu, \"p50\": %.1f, "
        "\"p99\": %.1f, \"max\": %.1f}",
        first ? "" : ", ", name.c_str(), n, args.measure.count(name) ? "true" : "false", l.size(),
        Percentile(l, 0.5), Percentile(l, 0.99), Percentile(l, 1.0));
    first = false;
  }
  // Calls GatedBackend refused and provisioning attempts that will be retried.
  const double refused = ctx.registry.GetCounter("vpnhub_backend_calls_refused_total", "").Value();
  const double retried = ctx.registry
                             .GetCounter("vpnhub_tasks_processed_total", "",
                                         {{"kind", "provision_key"}, {"outcome", "retry"}})
                             .Value();
  std::printf("}, \"refused_calls\": %.0f, \"retried_tasks\": %.0f", refused, retried);
  std::printf(
      ", \"measured_keys\": %zu, \"measured_active\": %zu, \"p50\": %.1f, \"p99\": %.1f, "
      "\"max\": %.1f}\n",
      measured.size(), all.size(), Percentile(all, 0.5), Percentile(all, 0.99),
      Percentile(all, 1.0));
  return all.size() == measured.size() ? 0 : 3;
}
