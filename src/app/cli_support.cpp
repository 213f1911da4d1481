#include "app/cli_support.hpp"

#include <cstdlib>
#include <iostream>
#include <limits>
#include <thread>

#include "app/config_files.hpp"
#include "app/format.hpp"
#include "app/key_output.hpp"
#include "core/text_rules.hpp"

extern char** environ;

namespace vpnhub::app::cli {

using nlohmann::json;

[[noreturn]] void Fail(const std::string& message, int code) {
  std::cerr << "vpnhub: " << message << "\n";
  throw Exit{code};
}

void FailOn(const Status& st, const std::string& what) {
  if (st.ok()) return;
  int code = st.code() == StatusCode::kInvalidArgument ? 2 : 1;
  Fail(what + ": " + st.message(), code);
}

Config LoadConfigOrExit(bool check_files) {
  std::vector<ConfigError> file_errors;
  auto env = CollectEnvironment(environ, ".env", &file_errors);
  auto parsed = ParseConfig(env);
  std::vector<ConfigError> errors = file_errors;
  if (auto* errs = std::get_if<std::vector<ConfigError>>(&parsed)) {
    errors.insert(errors.end(), errs->begin(), errs->end());
  } else if (check_files) {
    const auto problems = CheckConfigFiles(std::get<Config>(parsed));
    errors.insert(errors.end(), problems.begin(), problems.end());
  }
  if (!errors.empty()) {
    std::cerr << "vpnhub: the configuration has " << errors.size()
              << (errors.size() == 1 ? " problem" : " problems") << ":\n"
              << FormatErrors(errors);
    throw Exit{2};
  }
  return std::get<Config>(parsed);
}

namespace {

// Written once by RunCli before the command's callback runs; read by OpenContext.
bool verbose_flag = false;

bool LogLevelInEnvironment() {
  const char* level = std::getenv("LOG_LEVEL");
  return level != nullptr && *level != '\0';
}

}  // namespace

void SetVerbose(bool verbose) { verbose_flag = verbose; }

std::unique_ptr<Context> OpenContext(bool for_service) {
  Config cfg = LoadConfigOrExit(/*check_files=*/for_service);
  const bool quiet = !for_service && !verbose_flag && !LogLevelInEnvironment();
  auto ctx = MakeContext(cfg, quiet);
  // The message names the database with its password masked (see OpenStore).
  if (!ctx.ok()) Fail(ctx.status().message());
  return std::move(*ctx);
}

std::string RunTaskNow(Context& ctx, Id task_id, Id key_id, KeyState want) {
  std::optional<Task> claimed;
  FailOn(ctx.store->Write(ports::WriteKind::kQueue,
                          [&](ports::StoreTx& tx) -> Status {
                            VPNHUB_ASSIGN_OR_RETURN(
                                auto r, tx.tasks().ClaimTask(
                                            task_id, ctx.clock.Now(),
                                            std::chrono::seconds(ctx.config.task_lease_sec)));
                            claimed = r;
                            return Status::Ok();
                          }),
         "claim task");
  if (claimed) {
    auto outcome = ctx.executor->RunClaimed(*claimed);
    if (outcome == usecases::TaskOutcome::kDone) return "";
    Task t;
    ReadTx(ctx, [&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(auto r, tx.tasks().GetTask(task_id));
      t = r;
      return Status::Ok();
    });
    if (outcome == usecases::TaskOutcome::kUnrecorded) {
      return "the outcome of task " + std::to_string(task_id) +
             " could not be recorded (database error); the running service repeats it once its "
             "lease ends";
    }
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
      VPNHUB_ASSIGN_OR_RETURN(auto r, tx.keys().GetKey(key_id));
      state = r.state;
      return Status::Ok();
    });
    if (state == want) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "the running service is still working on task " + std::to_string(task_id);
}

CLI::Validator IntIn(std::int64_t min, std::int64_t max) {
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& value) -> std::string {
        const auto n = ParseStrictInt(value);
        if (n && *n >= min && *n <= max) return "";
        return "expected an integer in " + range + ", got '" + value + "'";
      },
      range);
}

CLI::Validator PositiveId() { return IntIn(1, std::numeric_limits<std::int64_t>::max()); }

CLI::Validator TgIdCheck() { return IntIn(1, (std::int64_t{1} << 52) - 1); }

std::string KeyLine(const Key& k, TgId owner, const std::string& location,
                    const std::string& server, Time now) {
  return std::to_string(k.id) + "\tuser " + std::to_string(owner) + "\t" + Escaped(location) +
         "\t" + Escaped(server) + "\t" + KeyStateName(k.state) + "\texpires " +
         IsoUtc(k.expires_at) + " (" + KeyTimeLeft(k, now) + ")\t" + k.remote_name;
}

nlohmann::json UserJson(const User& u) {
  return {{"id", u.id},
          {"tg_id", u.tg_id},
          {"username", u.username},
          {"lang", u.lang},
          {"trial_used", u.trial_used},
          {"blocked_bot", u.blocked_bot},
          {"banned", u.banned},
          {"created_at", IsoUtc(u.created_at)}};
}

nlohmann::json KeyJson(const Key& k, TgId owner, const std::string& location,
                       const std::string& server, const Result<ports::KeyDelivery>& delivery) {
  json out = {{"id", k.id},
              {"user_tg_id", owner},
              {"location", location},
              {"server", server},
              {"state", KeyStateName(k.state)},
              {"expires_at", IsoUtc(k.expires_at)},
              {"remote_name", k.remote_name},
              {"trial", k.is_trial},
              {"last_error", k.last_error}};
  out.update(DeliveryJson(k, delivery));
  return out;
}

nlohmann::json ServerJson(const Server& s, const std::string& location, const vpn::KindSpec* kind) {
  json settings = json::object();
  for (const auto& [k, v] : s.settings) {
    settings[k] = kind == nullptr ? std::string("***") : vpn::PrintableSetting(*kind, k, v);
  }
  return {{"id", s.id},
          {"location", location},
          {"kind", s.kind},
          {"name", s.name},
          {"public_host", s.public_host},
          {"capacity", s.capacity},
          {"used_slots", s.used_slots},
          {"enabled", s.enabled},
          {"healthy", s.healthy},
          {"health_changed_at", s.health_changed_at ? json(IsoUtc(*s.health_changed_at)) : json()},
          {"last_check_at", s.last_check_at ? json(IsoUtc(*s.last_check_at)) : json()},
          {"consecutive_failures", s.consecutive_failures},
          {"consecutive_successes", s.consecutive_successes},
          {"settings", settings}};
}

nlohmann::json TaskJson(const Task& t) {
  return {{"id", t.id},
          {"kind", TaskKindName(t.kind)},
          {"subject_id", t.subject_id},
          {"state", TaskStateName(t.state)},
          {"attempts", t.attempts},
          {"next_attempt_at", IsoUtc(t.next_attempt_at)},
          {"last_error", t.last_error},
          {"created_at", IsoUtc(t.created_at)}};
}

Names LoadNames(Context& ctx) {
  Names n;
  ReadTx(ctx, [&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto locs, tx.catalog().ListLocations());
    for (const auto& l : locs) n.locations[l.id] = l.name;
    VPNHUB_ASSIGN_OR_RETURN(auto servers, tx.catalog().ListServers(std::nullopt));
    for (const auto& s : servers) n.servers[s.id] = s;
    return Status::Ok();
  });
  return n;
}

const Server& ServerOf(Context& ctx, Names& names, Id server_id) {
  auto it = names.servers.find(server_id);
  if (it != names.servers.end()) return it->second;
  Server& s = names.servers[server_id];
  (void)ctx.store->Read([&](ports::StoreTx& tx) -> Status {
    auto r = tx.catalog().GetServer(server_id);
    if (r.ok()) s = *r;
    return Status::Ok();
  });
  return s;
}

void AddJsonFlag(CLI::App* cmd, bool& flag) {
  cmd->add_flag("--json", flag, "Print a JSON array instead of one line per row");
}

void PrintJson(const nlohmann::json& value) {
  std::cout << value.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

}  // namespace vpnhub::app::cli
