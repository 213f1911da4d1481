#include "app/cli.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/config.hpp"
#include "app/context.hpp"
#include "app/format.hpp"
#include "app/serve.hpp"
#include "app/store_factory.hpp"
#include "storage/copy/db_copy.hpp"

extern char** environ;

namespace vpnhub::app {
namespace {

using nlohmann::json;

// Thrown inside command callbacks to leave with an exit code; caught in RunCli only.
struct Exit {
  int code;
};

[[noreturn]] void Fail(const std::string& message, int code = 1) {
  std::cerr << "vpnhub: " << message << "\n";
  throw Exit{code};
}

void FailOn(const Status& st, const std::string& what) {
  if (st.ok()) return;
  int code = st.code() == StatusCode::kInvalidArgument ? 2 : 1;
  Fail(what + ": " + st.message(), code);
}

Config LoadConfigOrExit() {
  std::vector<ConfigError> file_errors;
  auto env = CollectEnvironment(environ, ".env", &file_errors);
  auto parsed = ParseConfig(env);
  std::vector<ConfigError> errors = file_errors;
  if (auto* errs = std::get_if<std::vector<ConfigError>>(&parsed)) {
    errors.insert(errors.end(), errs->begin(), errs->end());
  }
  if (!errors.empty()) {
    std::cerr << "vpnhub: the configuration has " << errors.size()
              << (errors.size() == 1 ? " problem" : " problems") << ":\n"
              << FormatErrors(errors);
    throw Exit{2};
  }
  return std::get<Config>(parsed);
}

std::unique_ptr<Context> OpenContext() {
  Config cfg = LoadConfigOrExit();
  auto ctx = MakeContext(cfg);
  if (!ctx.ok())
    Fail("cannot open the database " + cfg.database_url + ": " + ctx.status().message());
  return std::move(*ctx);
}

template <typename Fn>
void ReadTx(Context& ctx, Fn&& fn) {
  FailOn(ctx.store->Read([&](ports::StoreTx& tx) -> Status { return fn(tx); }), "database");
}

// Runs a just-enqueued task in this process (tasks are idempotent, so racing the service's
// worker is harmless: whoever claims it runs it). Returns a sentence for the operator.
std::string RunTaskNow(Context& ctx, Id task_id, Id key_id, KeyState want) {
  std::optional<Task> claimed;
  FailOn(ctx.store->Write([&](ports::StoreTx& tx) -> Status {
    auto r =
        tx.ClaimTask(task_id, ctx.clock.Now(), std::chrono::seconds(ctx.config.task_lease_sec));
    if (!r.ok()) return r.status();
    claimed = *r;
    return Status::Ok();
  }),
         "claim task");
  if (claimed) {
    auto outcome = ctx.executor->RunClaimed(*claimed);
    if (outcome == usecases::TaskOutcome::kDone) return "";
    Task t;
    ReadTx(ctx, [&](ports::StoreTx& tx) -> Status {
      auto r = tx.GetTask(task_id);
      if (!r.ok()) return r.status();
      t = *r;
      return Status::Ok();
    });
    if (outcome == usecases::TaskOutcome::kRetryLater) {
      return "the VPN server did not confirm yet (" + t.last_error +
             "); the running service retries task " + std::to_string(task_id) + " from " +
             IsoUtc(t.next_attempt_at);
    }
    return "task " + std::to_string(task_id) + " failed: " + t.last_error;
  }
  // The service's worker has it: wait briefly for the key to reach the wanted state.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    KeyState state{};
    ReadTx(ctx, [&](ports::StoreTx& tx) -> Status {
      auto r = tx.GetKey(key_id);
      if (!r.ok()) return r.status();
      state = r->state;
      return Status::Ok();
    });
    if (state == want) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "the running service is still working on task " + std::to_string(task_id);
}

// ---- rendering

json UserJson(const User& u) {
  return {{"id", u.id},
          {"tg_id", u.tg_id},
          {"username", u.username},
          {"lang", u.lang},
          {"trial_used", u.trial_used},
          {"blocked_bot", u.blocked_bot},
          {"banned", u.banned},
          {"created_at", IsoUtc(u.created_at)}};
}

json ServerJson(const Server& s, const std::string& location) {
  json settings = json::object();
  for (const auto& [k, v] : s.settings) settings[k] = v;
  return {{"id", s.id},
          {"location", location},
          {"kind", ServerKindName(s.kind)},
          {"name", s.name},
          {"public_host", s.public_host},
          {"capacity", s.capacity},
          {"used_slots", s.used_slots},
          {"enabled", s.enabled},
          {"healthy", s.healthy},
          {"settings", settings}};
}

json TaskJson(const Task& t) {
  return {{"id", t.id},
          {"kind", TaskKindName(t.kind)},
          {"subject_id", t.subject_id},
          {"state", TaskStateName(t.state)},
          {"attempts", t.attempts},
          {"next_attempt_at", IsoUtc(t.next_attempt_at)},
          {"last_error", t.last_error},
          {"created_at", IsoUtc(t.created_at)}};
}

struct Names {
  std::map<Id, std::string> locations;
  std::map<Id, Server> servers;
  std::map<Id, TgId> tg_of_user;
};

Names LoadNames(Context& ctx) {
  Names n;
  ReadTx(ctx, [&](ports::StoreTx& tx) -> Status {
    auto locs = tx.ListLocations();
    if (!locs.ok()) return locs.status();
    for (const auto& l : *locs) n.locations[l.id] = l.name;
    auto servers = tx.ListServers(std::nullopt);
    if (!servers.ok()) return servers.status();
    for (const auto& s : *servers) n.servers[s.id] = s;
    return Status::Ok();
  });
  return n;
}

void AddJsonFlag(CLI::App* cmd, bool& flag) {
  cmd->add_flag("--json", flag, "Print a JSON array instead of one line per row");
}

// ---- commands

void CmdCheckConfig() {
  Config cfg = LoadConfigOrExit();
  std::cout << RenderConfig(cfg);
}

void CmdMigrate(bool status_only) {
  Config cfg = LoadConfigOrExit();
  // Open applies pending migrations; report what is there afterwards.
  auto store = OpenStore(cfg.database_url, 1);
  FailOn(store.status(), "cannot open the database");
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

void CmdLocationAdd(const std::string& name) {
  auto ctx = OpenContext();
  auto loc = ctx->catalog->AddLocation(name);
  FailOn(loc.status(), "cannot add location");
  std::cout << loc->id << "\t" << loc->name << "\n";
}

void CmdLocationList(bool as_json) {
  auto ctx = OpenContext();
  auto locs = ctx->catalog->ListLocations();
  FailOn(locs.status(), "cannot list locations");
  Names names = LoadNames(*ctx);
  json out = json::array();
  for (const auto& l : *locs) {
    int servers = 0, capacity = 0, used = 0;
    for (const auto& [id, s] : names.servers) {
      if (s.location_id != l.id) continue;
      ++servers;
      capacity += s.capacity;
      used += s.used_slots;
    }
    if (as_json) {
      out.push_back({{"id", l.id},
                     {"name", l.name},
                     {"enabled", l.enabled},
                     {"servers", servers},
                     {"used_slots", used},
                     {"capacity", capacity}});
    } else {
      std::cout << l.id << "\t" << l.name << "\t" << (l.enabled ? "enabled" : "disabled") << "\t"
                << servers << " servers\t" << used << "/" << capacity << " used\n";
    }
  }
  if (as_json) std::cout << out.dump(2) << "\n";
}

struct ServerAddArgs {
  std::string location, kind = "shadowsocks", manager, public_host, ports, method, name;
  int capacity = 0;
};

void CmdServerAdd(const ServerAddArgs& a) {
  auto kind = ParseServerKind(a.kind);
  if (!kind) Fail("unknown server kind '" + a.kind + "' (supported: shadowsocks)", 2);
  auto dash = a.ports.find('-');
  if (dash == std::string::npos) Fail("--ports must look like FROM-TO, e.g. 20000-20999", 2);
  auto ctx = OpenContext();
  Server s;
  s.kind = *kind;
  s.name = a.name;
  s.public_host = a.public_host;
  s.capacity = a.capacity;
  s.settings["manager"] = a.manager;
  s.settings["port_from"] = a.ports.substr(0, dash);
  s.settings["port_to"] = a.ports.substr(dash + 1);
  if (!a.method.empty()) s.settings["method"] = a.method;
  auto added = ctx->catalog->AddServer(a.location, s);
  FailOn(added.status(), "cannot add server");
  std::cout << added->id << "\t" << added->name << "\t" << a.location << "\t"
            << ServerKindName(added->kind) << "\t" << added->public_host << "\t0/"
            << added->capacity << "\n";
  // A server that does not answer is accepted (it may come up later) but the operator is told.
  auto backend = ctx->backends.For(added->kind);
  if (backend.ok()) {
    Status ping = (*backend)->Ping(*added);
    if (!ping.ok()) {
      std::cerr << "vpnhub: warning: the server does not answer yet (" << ping.message()
                << "); keys will be provisioned once it does\n";
    }
  }
}

void CmdServerList(bool as_json) {
  auto ctx = OpenContext();
  Names names = LoadNames(*ctx);
  json out = json::array();
  for (const auto& [id, s] : names.servers) {
    const std::string& loc = names.locations[s.location_id];
    if (as_json) {
      out.push_back(ServerJson(s, loc));
    } else {
      auto manager = s.settings.count("manager") ? s.settings.at("manager") : "";
      std::cout << s.id << "\t" << s.name << "\t" << loc << "\t" << ServerKindName(s.kind) << "\t"
                << s.public_host << "\t" << s.used_slots << "/" << s.capacity << "\t"
                << (s.enabled ? "enabled" : "disabled") << "\t"
                << (s.healthy ? "healthy" : "unhealthy") << "\tmanager=" << manager << "\n";
    }
  }
  if (as_json) std::cout << out.dump(2) << "\n";
}

struct KeyCreateArgs {
  TgId user = 0;
  std::string location;
  long long days = 0, seconds = 0;
  bool no_wait = false;
};

void CmdKeyCreate(const KeyCreateArgs& a) {
  if ((a.days > 0) == (a.seconds > 0))
    Fail("give exactly one of --days N or --seconds N (N > 0)", 2);
  auto ctx = OpenContext();
  usecases::IssueKeyRequest req;
  req.tg_id = a.user;
  req.location_name = a.location;
  req.duration = a.days > 0 ? Duration(std::chrono::hours(24 * a.days))
                            : Duration(std::chrono::seconds(a.seconds));
  req.traffic_limit_bytes = ctx->config.limit_gb * 1024LL * 1024 * 1024;
  auto issued = ctx->keys->Issue(req);
  FailOn(issued.status(), "cannot create the key");
  std::string note;
  if (!a.no_wait) note = RunTaskNow(*ctx, issued->task_id, issued->key.id, KeyState::kActive);
  Key key = issued->key;
  ReadTx(*ctx, [&](ports::StoreTx& tx) -> Status {
    auto r = tx.GetKey(key.id);
    if (!r.ok()) return r.status();
    key = *r;
    return Status::Ok();
  });
  std::cout << key.id << "\t" << KeyStateName(key.state) << "\tuser " << a.user << "\t"
            << a.location << "\t" << issued->server.name << "\texpires " << IsoUtc(key.expires_at)
            << "\n"
            << ctx->LinkFor(issued->server, key) << "\n";
  if (!note.empty()) std::cerr << "vpnhub: note: " << note << "\n";
}

void CmdKeyList(std::optional<TgId> user, const std::string& state, bool as_json) {
  auto ctx = OpenContext();
  ports::KeyFilter filter;
  filter.limit = 100000;
  if (!state.empty()) {
    auto s = ParseKeyState(state);
    if (!s) Fail("unknown state '" + state + "' (pending, active, revoking, revoked, failed)", 2);
    filter.state = s;
  }
  std::vector<Key> keys;
  std::map<Id, TgId> tg_of;
  ReadTx(*ctx, [&](ports::StoreTx& tx) -> Status {
    if (user) {
      auto u = tx.FindUserByTgId(*user);
      if (!u.ok()) return u.status();
      if (!u->has_value()) return NotFound("unknown user " + std::to_string(*user));
      filter.user_id = (*u)->id;
    }
    auto r = tx.ListKeys(filter);
    if (!r.ok()) return r.status();
    keys = std::move(*r);
    for (const auto& k : keys) {
      if (tg_of.count(k.user_id)) continue;
      auto u = tx.GetUser(k.user_id);
      if (!u.ok()) return u.status();
      tg_of[k.user_id] = u->tg_id;
    }
    return Status::Ok();
  });
  Names names = LoadNames(*ctx);
  Time now = ctx->clock.Now();
  json out = json::array();
  for (const auto& k : keys) {
    const Server& s = names.servers[k.server_id];
    const std::string& loc = names.locations[s.location_id];
    std::string link = HoldsSlot(k.state) ? ctx->LinkFor(s, k) : "";
    if (as_json) {
      out.push_back({{"id", k.id},
                     {"user_tg_id", tg_of[k.user_id]},
                     {"location", loc},
                     {"server", s.name},
                     {"state", KeyStateName(k.state)},
                     {"expires_at", IsoUtc(k.expires_at)},
                     {"remote_name", k.remote_name},
                     {"trial", k.is_trial},
                     {"last_error", k.last_error},
                     {"link", link}});
    } else {
      std::cout << k.id << "\tuser " << tg_of[k.user_id] << "\t" << loc << "\t" << s.name << "\t"
                << KeyStateName(k.state) << "\texpires " << IsoUtc(k.expires_at) << " ("
                << HumanLeft(k.expires_at - now) << ")\t" << k.remote_name << "\n";
    }
  }
  if (as_json) std::cout << out.dump(2) << "\n";
}

void CmdKeyRevoke(Id key_id, bool no_wait) {
  auto ctx = OpenContext();
  auto task = ctx->keys->Revoke(key_id, "revoked by admin");
  FailOn(task.status(), "cannot revoke key " + std::to_string(key_id));
  std::string note;
  if (task->has_value() && !no_wait) note = RunTaskNow(*ctx, **task, key_id, KeyState::kRevoked);
  KeyState state{};
  ReadTx(*ctx, [&](ports::StoreTx& tx) -> Status {
    auto r = tx.GetKey(key_id);
    if (!r.ok()) return r.status();
    state = r->state;
    return Status::Ok();
  });
  std::cout << key_id << "\t" << KeyStateName(state) << "\n";
  if (!task->has_value()) std::cerr << "vpnhub: note: the key was already being revoked\n";
  if (!note.empty()) std::cerr << "vpnhub: note: " << note << "\n";
}

void CmdUserList(bool as_json) {
  auto ctx = OpenContext();
  json out = json::array();
  Id after = 0;
  for (;;) {
    std::vector<User> page;
    ReadTx(*ctx, [&](ports::StoreTx& tx) -> Status {
      auto r = tx.ListUsers(after, 1000);
      if (!r.ok()) return r.status();
      page = std::move(*r);
      return Status::Ok();
    });
    for (const auto& u : page) {
      if (as_json) {
        out.push_back(UserJson(u));
      } else {
        std::cout << u.id << "\ttg " << u.tg_id << "\t" << (u.username.empty() ? "-" : u.username)
                  << "\t" << u.lang << "\ttrial " << (u.trial_used ? "used" : "unused")
                  << "\tsince " << IsoUtc(u.created_at) << "\n";
      }
    }
    if (page.size() < 1000) break;
    after = page.back().id;
  }
  if (as_json) std::cout << out.dump(2) << "\n";
}

void CmdTaskList(bool failed_only, bool as_json) {
  auto ctx = OpenContext();
  std::vector<Task> tasks;
  ReadTx(*ctx, [&](ports::StoreTx& tx) -> Status {
    auto r = tx.ListTasks(failed_only ? std::optional<TaskState>(TaskState::kFailed) : std::nullopt,
                          1000);
    if (!r.ok()) return r.status();
    tasks = std::move(*r);
    return Status::Ok();
  });
  json out = json::array();
  for (const auto& t : tasks) {
    if (as_json) {
      out.push_back(TaskJson(t));
    } else {
      std::cout << t.id << "\t" << TaskKindName(t.kind) << "\tkey " << t.subject_id << "\t"
                << TaskStateName(t.state) << "\tattempts " << t.attempts << "\t"
                << (t.last_error.empty() ? "-" : t.last_error) << "\n";
    }
  }
  if (as_json) std::cout << out.dump(2) << "\n";
}

void CmdTaskRetry(Id task_id) {
  auto ctx = OpenContext();
  Status st = ctx->store->Write(
      [&](ports::StoreTx& tx) { return tx.RetryTask(task_id, ctx->clock.Now()); });
  if (st.code() == StatusCode::kNotFound) Fail("unknown task " + std::to_string(task_id));
  if (st.code() == StatusCode::kFailedPrecondition) {
    Fail("task " + std::to_string(task_id) + " is not failed; only failed tasks can be retried");
  }
  FailOn(st, "cannot retry task");
  std::cout << task_id << "\tpending\n";
}

void CmdServe(const std::string& roles_csv) {
  auto roles = ParseRoles(roles_csv);
  if (!roles.ok()) Fail(roles.status().message(), 2);
  auto ctx = OpenContext();
  throw Exit{RunServe(*ctx, *roles)};
}

std::string ConfigHelp() {
  std::string out =
      "\nConfiguration (environment variables, or a .env file in the working directory):\n";
  for (const auto& v : ConfigVariables()) {
    out += "  " + v.name + std::string(v.name.size() < 26 ? 26 - v.name.size() : 1, ' ') +
           v.description + (v.default_value.empty() ? "" : " [default: " + v.default_value + "]") +
           "\n";
  }
  return out;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{
      "VPNHub: sell and run VPN access. Keys live on your VPN servers; the service "
      "provisions them, expires them on time, and loses nothing when it is killed.",
      "vpnhub"};
  app.require_subcommand(1);
  app.footer(ConfigHelp());
  app.set_version_flag("--version", "vpnhub 0.1.0");

  std::string roles = "http,scheduler,worker,bot";
  auto* serve = app.add_subcommand("serve", "Run the service (HTTP, expiry sweep, task worker)");
  serve->add_option("--roles", roles, "Comma list of roles to run: http, scheduler, worker, bot")
      ->capture_default_str();
  serve->callback([&] { CmdServe(roles); });

  bool worker_http = false;
  auto* worker = app.add_subcommand(
      "worker",
      "Run only the task worker (with NATS_SERVERS set: fetch tasks from JetStream; start as "
      "many as you like, on any machine that reaches NATS, the database and the VPN servers)");
  worker->add_flag("--http", worker_http,
                   "Also serve /healthz, /readyz and /metrics on HTTP_LISTEN");
  worker->callback([&] { CmdServe(worker_http ? "worker,http" : "worker"); });

  app.add_subcommand("check-config",
                     "Print the effective configuration (secrets masked) or "
                     "every problem with it")
      ->callback([] { CmdCheckConfig(); });

  bool migrate_status = false;
  auto* migrate = app.add_subcommand("migrate", "Apply pending database migrations");
  migrate->add_flag("--status", migrate_status, "Only show which migrations are applied");
  migrate->callback([&] { CmdMigrate(migrate_status); });

  // db
  auto* db = app.add_subcommand("db", "Move data between databases")->require_subcommand(1);
  std::string copy_from, copy_to;
  auto* db_copy = db->add_subcommand(
      "copy",
      "Copy every row from one database to another, e.g. SQLite to PostgreSQL. Stop the service "
      "first; the target must be empty (its schema is created). All or nothing: counts and "
      "checksums are compared before the target commits.");
  db_copy->add_option("--from", copy_from, "Source URL: sqlite://PATH or postgres://...")
      ->required();
  db_copy->add_option("--to", copy_to, "Target URL: postgres://... or sqlite://PATH")->required();
  db_copy->callback([&] { CmdDbCopy(copy_from, copy_to); });

  // location
  auto* location = app.add_subcommand("location", "Manage locations")->require_subcommand(1);
  std::string loc_name;
  auto* loc_add = location->add_subcommand("add", "Add a location");
  loc_add->add_option("NAME", loc_name, "Location name, e.g. Amsterdam")->required();
  loc_add->callback([&] { CmdLocationAdd(loc_name); });
  bool loc_json = false;
  auto* loc_list = location->add_subcommand("list", "List locations with capacity");
  AddJsonFlag(loc_list, loc_json);
  loc_list->callback([&] { CmdLocationList(loc_json); });

  // server
  auto* server = app.add_subcommand("server", "Manage VPN servers")->require_subcommand(1);
  ServerAddArgs sa;
  auto* srv_add = server->add_subcommand("add", "Add a VPN server (shadowsocks: an ss-manager)");
  srv_add->add_option("--location", sa.location, "Location name")->required();
  srv_add->add_option("--kind", sa.kind, "Server kind")->capture_default_str();
  srv_add->add_option("--manager", sa.manager, "ss-manager UDP address HOST:PORT")->required();
  srv_add->add_option("--public-host", sa.public_host, "Host name or IP clients connect to")
      ->required();
  srv_add->add_option("--ports", sa.ports, "Port range for keys, FROM-TO")->required();
  srv_add->add_option("--capacity", sa.capacity, "Maximum number of keys")->required();
  srv_add->add_option("--method", sa.method, "Cipher [default: chacha20-ietf-poly1305]");
  srv_add->add_option("--name", sa.name, "Server name [default: LOCATION-HOST]");
  srv_add->callback([&] { CmdServerAdd(sa); });
  bool srv_json = false;
  auto* srv_list = server->add_subcommand("list", "List servers with load and health");
  AddJsonFlag(srv_list, srv_json);
  srv_list->callback([&] { CmdServerList(srv_json); });

  // key
  auto* key = app.add_subcommand("key", "Manage keys")->require_subcommand(1);
  KeyCreateArgs ka;
  auto* key_create = key->add_subcommand("create", "Create a key for a user and print its link");
  key_create->add_option("--user", ka.user, "The user's Telegram id (created when new)")
      ->required();
  key_create->add_option("--location", ka.location, "Location name")->required();
  key_create->add_option("--days", ka.days, "Lifetime in days");
  key_create->add_option("--seconds", ka.seconds, "Lifetime in seconds (for short tests)");
  key_create->add_flag("--no-wait", ka.no_wait,
                       "Only record the key; let the running service provision it");
  key_create->callback([&] { CmdKeyCreate(ka); });
  std::optional<TgId> list_user;
  std::string list_state;
  bool key_json = false;
  auto* key_list = key->add_subcommand("list", "List keys, newest first");
  key_list->add_option("--user", list_user, "Only this Telegram id's keys");
  key_list->add_option("--state", list_state, "Only keys in this state");
  AddJsonFlag(key_list, key_json);
  key_list->callback([&] { CmdKeyList(list_user, list_state, key_json); });
  Id revoke_id = 0;
  bool revoke_no_wait = false;
  auto* key_revoke = key->add_subcommand("revoke", "Revoke a key (removes it from its server)");
  key_revoke->add_option("ID", revoke_id, "Key id")->required();
  key_revoke->add_flag("--no-wait", revoke_no_wait, "Only record it; let the service remove it");
  key_revoke->callback([&] { CmdKeyRevoke(revoke_id, revoke_no_wait); });

  // user
  auto* user = app.add_subcommand("user", "Manage users")->require_subcommand(1);
  bool user_json = false;
  auto* user_list = user->add_subcommand("list", "List users");
  AddJsonFlag(user_list, user_json);
  user_list->callback([&] { CmdUserList(user_json); });

  // task
  auto* task = app.add_subcommand("task", "Inspect and retry outbox tasks")->require_subcommand(1);
  bool task_failed = false, task_json = false;
  auto* task_list = task->add_subcommand("list", "List recent tasks");
  task_list->add_flag("--failed", task_failed, "Only tasks that failed for good");
  AddJsonFlag(task_list, task_json);
  task_list->callback([&] { CmdTaskList(task_failed, task_json); });
  Id retry_id = 0;
  auto* task_retry = task->add_subcommand("retry", "Put a failed task back in the queue");
  task_retry->add_option("ID", retry_id, "Task id")->required();
  task_retry->callback([&] { CmdTaskRetry(retry_id); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const Exit& e) {
    return e.code;
  }
  return 0;
}

}  // namespace vpnhub::app
