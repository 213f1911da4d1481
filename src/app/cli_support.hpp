#pragma once
// What every `vpnhub` subcommand shares: leaving with an exit code, opening the configuration
// and the database, reading in one transaction, running a just-enqueued task, and the JSON
// renderings of rows. Each command group lives in its own cli_*.cpp and registers itself on the
// CLI11 app through an Add*Commands function declared here.
#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app/config.hpp"
#include "app/context.hpp"

namespace vpnhub::app::cli {

// Thrown inside command callbacks to leave with an exit code; caught in RunCli only.
struct Exit {
  int code;
};

// Prints "vpnhub: <message>" on stderr and leaves with `code`.
[[noreturn]] void Fail(const std::string& message, int code = 1);
// Fail(what + ": " + message) unless st is Ok; exit code 2 for kInvalidArgument, else 1.
void FailOn(const Status& st, const std::string& what);

// The configuration from the environment and ./.env, or exit 2 listing every problem.
Config LoadConfigOrExit();
// Configuration, database (migrations applied) and use cases, or exit.
std::unique_ptr<Context> OpenContext();

// Runs fn in one read transaction; exits on a database error.
template <typename Fn>
void ReadTx(Context& ctx, Fn&& fn) {
  FailOn(ctx.store->Read([&](ports::StoreTx& tx) -> Status { return fn(tx); }), "database");
}

// Runs a just-enqueued task in this process (tasks are idempotent, so racing the service's
// worker is harmless: whoever claims it runs it). Returns "" when the key reached `want`, else a
// sentence for the operator.
std::string RunTaskNow(Context& ctx, Id task_id, Id key_id, KeyState want);

nlohmann::json UserJson(const User& u);
nlohmann::json ServerJson(const Server& s, const std::string& location);
nlohmann::json TaskJson(const Task& t);

// Location names and servers by id, for rendering rows that refer to them.
struct Names {
  std::map<Id, std::string> locations;
  std::map<Id, Server> servers;
};
Names LoadNames(Context& ctx);

void AddJsonFlag(CLI::App* cmd, bool& flag);
// Prints `value` as indented JSON on stdout. Text that is not UTF-8 (a row stored before names
// were checked) comes out with U+FFFD in place of the bad bytes instead of aborting the command.
void PrintJson(const nlohmann::json& value);

// Command groups.
void AddServeCommands(CLI::App& app);    // serve, worker
void AddAdminCommands(CLI::App& app);    // check-config, migrate, db copy
void AddCatalogCommands(CLI::App& app);  // location, server
void AddKeyCommands(CLI::App& app);      // key, user
void AddTaskCommands(CLI::App& app);     // task

}  // namespace vpnhub::app::cli
