// `vpnhub server reconcile ID [--dry-run]`: one reconciliation of a server's keys with the
// database (core/usecases/reconcile.hpp), printed one line per drifted key and a summary.
#include <iostream>
#include <memory>

#include "app/cli_support.hpp"
#include "core/usecases/reconcile.hpp"

namespace vpnhub::app::cli {
namespace {

struct ReconcileArgs {
  Id id = 0;
  bool dry_run = false;
};

void CmdServerReconcile(const ReconcileArgs& a) {
  auto ctx = OpenContext();
  usecases::Reconciler reconciler(*ctx->store, ctx->backends, ctx->clock);
  usecases::ReconcileOptions options;
  options.dry_run = a.dry_run;
  auto report = reconciler.Run(a.id, options, [](const usecases::Drift& d) {
    std::cout << usecases::DriftKindName(d.kind) << "\tkey "
              << (d.key_id == 0 ? std::string("-") : std::to_string(d.key_id)) << "\tremote "
              << d.remote_id << "\t" << d.action << "\n";
  });
  FailOn(report.status(), "cannot reconcile server " + std::to_string(a.id));
  const usecases::ReconcileReport& r = *report;
  if (r.unsupported) {
    Fail("server " + std::to_string(a.id) + " (" + r.server_name +
         "): its kind cannot be reconciled (the hub cannot tell which remote key is which key)");
  }
  std::cout << "server " << r.server_name << " (#" << r.server_id << "): " << r.remote_keys
            << " listed, " << r.checked_keys << " keys checked (" << r.in_flight << " in flight, "
            << r.foreign << " foreign left alone); drift: " << r.missing << " missing, "
            << r.orphans << " orphan, " << r.mismatches << " mismatch; "
            << (a.dry_run ? "dry run, nothing changed"
                          : std::to_string(r.repairs()) + " repaired, " +
                                std::to_string(r.failed_repairs) + " failed")
            << "\n";
  if (r.failed_repairs > 0) throw Exit{1};
}

}  // namespace

void AddServerReconcileCommand(CLI::App* server) {
  auto args = std::make_shared<ReconcileArgs>();
  auto* cmd = server->add_subcommand(
      "reconcile",
      "Compare the server's keys with the database and repair the drift: an active key missing "
      "or holding another credential on the server gets a restore_key task (run by the worker, "
      "in either queue mode); a key of the hub's naming scheme on the server that no key holds "
      "(revoked, failed or unknown) is removed at once; keys in flight (pending, revoking) and "
      "remote ids marked foreign (`server edit --foreign`) are left alone. Prints one line per "
      "drifted key (kind, key id or -, remote id, what was done) and a summary. Exit status: 0 "
      "done (drift repaired, queued or, with --dry-run, listed), 1 the server is unknown or "
      "removed, could not be listed, an orphan could not be removed, its kind cannot be "
      "reconciled, or the database "
      "failed, 2 a wrong command line");
  cmd->add_option("ID", args->id, "Server id (see server list)")->required()->check(PositiveId());
  cmd->add_flag("--dry-run", args->dry_run, "Only print what would be done; change nothing");
  cmd->callback([args] { CmdServerReconcile(*args); });
}

}  // namespace vpnhub::app::cli
