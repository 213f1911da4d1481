// `server drain` and `server remove` (issue 17 §3): moving every key off a server through the
// outbox, and removing a server that holds none (usecases::ServerDrain).
#include <chrono>
#include <iostream>
#include <thread>

#include "app/cli_support.hpp"
#include "core/usecases/server_drain.hpp"

namespace vpnhub::app::cli {
namespace {

struct DrainArgs {
  Id id = 0;
  Id to = 0;
  std::string location;
  int wait_sec = 0;
};

// "moved 12/200, waiting for 188 (new keys being provisioned)", and the failed and pending keys
// when there are any.
std::string ProgressLine(const usecases::DrainProgress& p) {
  std::string line = "moved " + std::to_string(p.moved) + "/" + std::to_string(p.total()) +
                     ", waiting for " + std::to_string(p.waiting) +
                     " (new keys being provisioned by the service's worker)";
  if (p.failed > 0) {
    line += ", " + std::to_string(p.failed) +
            " new keys failed (vpnhub task list --failed; vpnhub task retry ID)";
  }
  if (p.pending_here > 0) {
    line += ", " + std::to_string(p.pending_here) +
            " keys still pending on the drained server (moved by a later run once active)";
  }
  if (p.to_move > 0) line += ", " + std::to_string(p.to_move) + " not planned yet";
  return line;
}

void CmdServerDrain(const DrainArgs& args) {
  auto ctx = OpenContext();
  usecases::ServerDrain drain(*ctx->store, ctx->backends, ctx->secrets, ctx->clock);
  usecases::DrainTarget target;
  if (args.to != 0) target.server_id = args.to;
  if (!args.location.empty()) target.location = args.location;
  auto round = drain.Drain(args.id, target);
  FailOn(round.status(), "cannot drain server " + std::to_string(args.id));
  std::cout << "server " << args.id << " is disabled (no new keys); " << round->planned
            << " new keys planned this run\n"
            << ProgressLine(*round) << "\n";
  usecases::DrainProgress last = *round;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(args.wait_sec);
  while (!last.finished() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    // A round again: keys that were pending on the drained server and are active now move too.
    auto next = last.pending_here > 0 ? drain.Drain(args.id, target) : drain.Progress(args.id);
    FailOn(next.status(), "cannot drain server " + std::to_string(args.id));
    if (next->moved != last.moved || next->waiting != last.waiting || next->failed != last.failed ||
        next->pending_here != last.pending_here) {
      std::cout << ProgressLine(*next) << "\n" << std::flush;
    }
    last = *next;
  }
  if (last.finished()) {
    std::cout << "drained: every key of server " << args.id << " moved"
              << (last.failed > 0 ? " or failed (see above)" : "")
              << "; once its old keys are revoked: vpnhub server remove " << args.id << "\n";
    return;
  }
  if (args.wait_sec > 0) {
    Fail("the drain of server " + std::to_string(args.id) + " did not finish within " +
         std::to_string(args.wait_sec) + " s; it goes on in the service (run the command " +
         "again to see where it stands)");
  }
  std::cout << "the service moves the rest; run `vpnhub server drain " << args.id
            << "` again to see progress (or add --wait SECONDS)\n";
}

void CmdServerRemove(Id id) {
  auto ctx = OpenContext();
  usecases::ServerDrain drain(*ctx->store, ctx->backends, ctx->secrets, ctx->clock);
  Status st = drain.Remove(id);
  // A server that still holds keys is a usage error: drain it first.
  if (st.code() == StatusCode::kFailedPrecondition) Fail("cannot remove: " + st.message(), 2);
  FailOn(st, "cannot remove server " + std::to_string(id));
  std::cout << "server " << id << " removed\n";
}

}  // namespace

void AddDrainCommands(CLI::App& app) {
  CLI::App* server = app.get_subcommand("server");
  auto args = std::make_shared<DrainArgs>();
  auto* drain = server->add_subcommand(
      "drain",
      "Move every key off a server: the server takes no new keys at once; each active key gets a "
      "new key for the same person (same expiry, trial flag and traffic limit) on another server, "
      "provisioned by the service; when it is active the person gets it once (\"your key moved\") "
      "and the old key is revoked. Keys still pending there are moved by a later run once active. "
      "Run it again to see progress or after a crash: no key is moved twice. Refused, changing "
      "nothing, when the target has no room for every key");
  drain->add_option("ID", args->id, "Server id (see server list)")->required()->check(PositiveId());
  auto* to = drain
                 ->add_option("--to", args->to,
                              "Move the keys to this server (id); default: the other servers of "
                              "the same location, least loaded first")
                 ->check(PositiveId());
  drain->add_option("--location", args->location, "Move the keys to the servers of this location")
      ->excludes(to);
  drain
      ->add_option("--wait", args->wait_sec,
                   "Wait up to SECONDS for every key to move, printing progress (and moving keys "
                   "that were pending once they are active); exit 1 when time runs out "
                   "[default: 0, do not wait]")
      ->check(IntIn(0, 86400));
  drain->callback([args] { CmdServerDrain(*args); });

  auto id = std::make_shared<Id>(0);
  auto* remove = server->add_subcommand(
      "remove",
      "Remove a server that holds no key (pending, active or revoking; drain it first, else exit "
      "2). Its revoked and failed keys keep their rows; the server leaves every list and its name "
      "is free again");
  remove->add_option("ID", *id, "Server id (see server list)")->required()->check(PositiveId());
  remove->callback([id] { CmdServerRemove(*id); });
}

}  // namespace vpnhub::app::cli
