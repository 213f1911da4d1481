#pragma once
// What every `vpnhub` subcommand shares: leaving with an exit code, opening the configuration
// and the database, reading in one transaction, running a just-enqueued task, and the JSON
// renderings of rows. Each command group lives in its own cli_*.cpp and registers itself on the
// CLI11 app through an Add*Commands function declared here.
#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "app/config.hpp"
#include "app/context.hpp"
#include "vpn/kind_registry.hpp"

namespace vpnhub::app::cli {

// Thrown inside command callbacks to leave with an exit code; caught in RunCli only.
struct Exit {
  int code;
};

// Prints "vpnhub: <message>" on stderr and leaves with `code`.
[[noreturn]] void Fail(const std::string& message, int code = 1);
// Fail(what + ": " + message) unless st is Ok; exit code 2 for kInvalidArgument, else 1.
void FailOn(const Status& st, const std::string& what);

// The configuration from the environment and ./.env, or exit 2 listing every problem;
// `check_files` (check-config, serve, worker) adds CheckConfigFiles' problems to the list.
Config LoadConfigOrExit(bool check_files = false);
// Configuration, database (migrations applied) and use cases, or exit. A command's context logs
// nothing (its result and its "vpnhub: ..." messages are the output) unless --verbose was given
// or LOG_LEVEL is set in the process environment; `for_service` (serve, worker) always logs.
std::unique_ptr<Context> OpenContext(bool for_service = false);
// Set once by RunCli, before any command runs: the global --verbose flag.
void SetVerbose(bool verbose);

// Checks for integer options and arguments, e.g.
//   cmd->add_option("--days", args->days, "Lifetime in days")->check(IntIn(1, kMaxDays));
// The whole argument must be a decimal integer (optional sign) within [min, max]: nothing is
// clamped and an overflow is not a different number. A failing check ends the command with exit 2
// and "--days: expected an integer in 1..3650, got '0'".
CLI::Validator IntIn(std::int64_t min, std::int64_t max);
constexpr std::int64_t kMaxDays = 3650;
constexpr std::int64_t kMaxSeconds = kMaxDays * 86400;
// Row ids (key, task, server, location): 1..2^63-1.
CLI::Validator PositiveId();
// Telegram user ids: 1..2^52-1 (the Bot API's ids fit in 52 bits).
CLI::Validator TgIdCheck();

// Runs fn in one read transaction; exits on a database error.
template <typename Fn>
void ReadTx(Context& ctx, Fn&& fn) {
  FailOn(ctx.store->Read([&](ports::StoreTx& tx) -> Status { return fn(tx); }), "database");
}

// Runs a just-enqueued task in this process (tasks are idempotent, so racing the service's
// worker is harmless: whoever claims it runs it). Returns "" when the key reached `want`, else a
// sentence for the operator.
std::string RunTaskNow(Context& ctx, Id task_id, Id key_id, KeyState want);

// One key as `key create` and `key list` print it, tab-separated, in this order:
//   ID  user TG_ID  LOCATION  SERVER  STATE  expires ISO (LEFT)  REMOTE_NAME
std::string KeyLine(const Key& k, TgId owner, const std::string& location,
                    const std::string& server, Time now);

nlohmann::json UserJson(const User& u);
// One key as `key list --json` and `key show --json` print it, with what its kind delivers
// (DeliveryJson: "link", "config_name", "config"; "" for a key that holds no slot).
nlohmann::json KeyJson(const Key& k, TgId owner, const std::string& location,
                       const std::string& server, const Result<ports::KeyDelivery>& delivery);
// `settings` as stored, with the kind's secret settings shown as "***" (kind: nullptr for a kind
// this build does not serve: every setting is hidden).
nlohmann::json ServerJson(const Server& s, const std::string& location, const vpn::KindSpec* kind);
nlohmann::json TaskJson(const Task& t);

// Location names and servers by id, for rendering rows that refer to them.
struct Names {
  std::map<Id, std::string> locations;
  std::map<Id, Server> servers;
};
Names LoadNames(Context& ctx);
// names.servers[id], read from the store when it is not listed (a removed server, which keeps its
// row for its old keys); an empty server when it cannot be read.
const Server& ServerOf(Context& ctx, Names& names, Id server_id);

void AddJsonFlag(CLI::App* cmd, bool& flag);
// Prints `value` as indented JSON on stdout. Text that is not UTF-8 (a row stored before names
// were checked) comes out with U+FFFD in place of the bad bytes instead of aborting the command.
void PrintJson(const nlohmann::json& value);

// Command groups.
void AddServeCommands(CLI::App& app);  // serve, worker
void AddAdminCommands(CLI::App& app);  // check-config, migrate, db copy
// location, server; `server add` offers the setting flags of the kind named by --kind in argv.
// `kinds` must outlive the parse.
void AddCatalogCommands(CLI::App& app, const vpn::KindRegistry& kinds, int argc, char** argv);
void AddKeyCommands(CLI::App& app);  // key, user
// server drain, server remove (cli_drain.cpp; after AddCatalogCommands: `server` exists).
void AddDrainCommands(CLI::App& app);
// server reconcile (cli_reconcile.cpp), under the `server` command AddCatalogCommands makes.
void AddServerReconcileCommand(CLI::App* server);
void AddKeyCommands(CLI::App& app);   // key, user
void AddTaskCommands(CLI::App& app);  // task
// order, payment, user show (after AddKeyCommands: `user` exists), and promo (cli_promo.cpp).
void AddBillingCommands(CLI::App& app);
void AddPromoCommands(CLI::App& app);
// node init, node run (cli_node.cpp): no configuration or database.
void AddNodeCommands(CLI::App& app);

}  // namespace vpnhub::app::cli
