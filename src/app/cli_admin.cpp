#include <iostream>

#include "app/cli_support.hpp"
#include "app/format.hpp"
#include "app/serve.hpp"
#include "app/store_factory.hpp"
#include "storage/copy/db_copy.hpp"

namespace vpnhub::app::cli {
namespace {

void CmdCheckConfig() {
  Config cfg = LoadConfigOrExit(/*check_files=*/true);
  std::cout << RenderConfig(cfg);
}

void CmdMigrate(bool status_only) {
  Config cfg = LoadConfigOrExit();
  // Open applies pending migrations; report what is there afterwards.
  auto store = OpenStore(cfg.database_url, 1);
  if (!store.ok()) Fail(store.status().message());
  auto info = store->migration_status();
  FailOn(info.status(), "migration status");
  for (const auto& m : *info) {
    std::cout << m.version << "\t" << m.name << "\t"
              << (m.applied ? "applied " + IsoUtc(FromUnixMs(m.applied_at_ms)) : "pending") << "\n";
  }
  if (!status_only) std::cout << "database is up to date\n";
}

// Moves every row between two databases, printing progress per table (a line per 10% or per
// table) and the per-table counts at the end. Refuses a target that already has rows.
void CmdDbCopy(const std::string& from, const std::string& to) {
  std::string last_table;
  int last_decile = -1;
  auto report = storage::CopyDatabase(from, to, [&](const storage::CopyProgress& p) {
    const int decile = p.rows_total == 0 ? 10 : static_cast<int>(p.rows_done * 10 / p.rows_total);
    if (p.table == last_table && decile == last_decile) return;
    last_table = p.table;
    last_decile = decile;
    std::cerr << "  " << p.table << ": " << p.rows_done << " / " << p.rows_total << " rows\n";
  });
  FailOn(report.status(), "db copy failed, nothing was written to the target");
  std::int64_t total = 0;
  std::cout << "copied (row counts and checksums verified on the target):\n";
  for (const auto& [table, rows] : report->rows_per_table) {
    std::cout << "  " << table << "\t" << rows << "\n";
    total += rows;
  }
  std::cout << "total\t" << total << " rows\n";
}

void CmdServe(const std::string& roles_csv) {
  auto roles = ParseRoles(roles_csv);
  if (!roles.ok()) Fail(roles.status().message(), 2);
  auto ctx = OpenContext(/*for_service=*/true);
  throw Exit{RunServe(*ctx, *roles)};
}

}  // namespace

void AddServeCommands(CLI::App& app) {
  auto roles = std::make_shared<std::string>("http,scheduler,worker,bot");
  auto* serve = app.add_subcommand("serve", "Run the service (HTTP, expiry sweep, task worker)");
  serve->add_option("--roles", *roles, "Comma list of roles to run: http, scheduler, worker, bot")
      ->capture_default_str();
  serve->callback([roles] { CmdServe(*roles); });

  auto worker_http = std::make_shared<bool>(false);
  auto* worker = app.add_subcommand(
      "worker",
      "Run only the task worker (with NATS_SERVERS set: fetch tasks from JetStream; start as "
      "many as you like, on any machine that reaches NATS, the database and the VPN servers)");
  worker->add_flag("--http", *worker_http,
                   "Also serve /healthz, /readyz and /metrics on HTTP_LISTEN");
  worker->callback([worker_http] { CmdServe(*worker_http ? "worker,http" : "worker"); });
}

void AddAdminCommands(CLI::App& app) {
  app.add_subcommand("check-config",
                     "Print the effective configuration (secrets masked) or every problem with "
                     "it, including what serve would refuse: NATS_CREDS / NATS_TLS_CA files that "
                     "cannot be read, a SQLite database that cannot be written")
      ->callback([] { CmdCheckConfig(); });

  auto migrate_status = std::make_shared<bool>(false);
  auto* migrate = app.add_subcommand("migrate", "Apply pending database migrations");
  migrate->add_flag("--status", *migrate_status, "Only show which migrations are applied");
  migrate->callback([migrate_status] { CmdMigrate(*migrate_status); });

  auto* db = app.add_subcommand("db", "Move data between databases")->require_subcommand(1);
  struct CopyArgs {
    std::string from, to;
  };
  auto copy = std::make_shared<CopyArgs>();
  auto* db_copy = db->add_subcommand(
      "copy",
      "Copy every row from one database to another, e.g. SQLite to PostgreSQL. Stop the service "
      "first; the target must be empty (its schema is created). All or nothing: counts and "
      "checksums are compared before the target commits.");
  db_copy->add_option("--from", copy->from, "Source URL: sqlite://PATH or postgres://...")
      ->required();
  db_copy->add_option("--to", copy->to, "Target URL: postgres://... or sqlite://PATH")->required();
  db_copy->callback([copy] { CmdDbCopy(copy->from, copy->to); });
}

}  // namespace vpnhub::app::cli
