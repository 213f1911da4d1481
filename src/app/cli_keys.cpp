#include <iostream>
#include <limits>

#include "app/cli_support.hpp"
#include "app/format.hpp"
#include "app/key_output.hpp"
#include "core/text_rules.hpp"

namespace vpnhub::app::cli {
namespace {

using nlohmann::json;

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
    VPNHUB_ASSIGN_OR_RETURN(auto r, tx.keys().GetKey(key.id));
    key = r;
    return Status::Ok();
  });
  Names names = LoadNames(*ctx);
  std::cout << KeyLine(key, a.user, names.locations[issued->server.location_id],
                       issued->server.name, ctx->clock.Now())
            << "\n"
            << DeliveryText(ctx->DeliveryFor(issued->server, key), issued->server.kind);
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
      VPNHUB_ASSIGN_OR_RETURN(auto u, tx.users().FindUserByTgId(*user));
      if (!u.has_value()) return NotFound("unknown user " + std::to_string(*user));
      filter.user_id = u->id;
    }
    VPNHUB_ASSIGN_OR_RETURN(auto r, tx.keys().ListKeys(filter));
    keys = std::move(r);
    for (const auto& k : keys) {
      if (tg_of.count(k.user_id)) continue;
      VPNHUB_ASSIGN_OR_RETURN(auto u, tx.users().GetUser(k.user_id));
      tg_of[k.user_id] = u.tg_id;
    }
    return Status::Ok();
  });
  Names names = LoadNames(*ctx);
  Time now = ctx->clock.Now();
  json out = json::array();
  for (const auto& k : keys) {
    const Server& s = ServerOf(*ctx, names, k.server_id);
    const std::string& loc = names.locations[s.location_id];
    if (as_json) {
      out.push_back(KeyJson(k, tg_of[k.user_id], loc, s.name, ctx->DeliveryFor(s, k)));
    } else {
      std::cout << KeyLine(k, tg_of[k.user_id], loc, s.name, now) << "\n";
    }
  }
  if (as_json) PrintJson(out);
}

struct ShowArgs {
  Id id = 0;
  bool conf = false;
  bool json = false;
};

void CmdKeyShow(const ShowArgs& a) {
  auto ctx = OpenContext();
  Key key;
  TgId owner = 0;
  FailOn(ctx->store->Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(key, tx.keys().GetKey(a.id));
    VPNHUB_ASSIGN_OR_RETURN(auto u, tx.users().GetUser(key.user_id));
    owner = u.tg_id;
    return Status::Ok();
  }),
         "cannot show key " + std::to_string(a.id));
  Names names = LoadNames(*ctx);
  const Server& s = ServerOf(*ctx, names, key.server_id);
  const std::string& loc = names.locations[s.location_id];
  const auto delivery = ctx->DeliveryFor(s, key);
  if (a.conf) {
    auto file = ConfigFileOf(key, delivery, s.kind);
    FailOn(file.status(), "key " + std::to_string(a.id));
    std::cout << *file << std::flush;  // exactly the file: `key show ID --conf > wg0.conf`
    return;
  }
  if (a.json) {
    PrintJson(KeyJson(key, owner, loc, s.name, delivery));
    return;
  }
  std::cout << KeyLine(key, owner, loc, s.name, ctx->clock.Now()) << "\n";
}

void AddKeyShowCommand(CLI::App* key) {
  auto a = std::make_shared<ShowArgs>();
  auto* show = key->add_subcommand(
      "show",
      "Show one key, as a line of key list; --conf prints only its configuration file, for kinds "
      "that deliver one (key show ID --conf > wg0.conf)");
  show->add_option("ID", a->id, "Key id (see key list)")->required()->check(PositiveId());
  auto* conf = show->add_flag(
      "--conf", a->conf,
      "Print exactly the key's configuration file and nothing else (exit 1 when its kind "
      "delivers a link instead, or the key is revoked or failed)");
  auto* as_json = show->add_flag(
      "--json", a->json, "Print the key as a JSON object, with its link, config_name and config");
  conf->excludes(as_json);
  show->callback([a] { CmdKeyShow(*a); });
}

void CmdKeyRevoke(Id key_id, bool no_wait) {
  auto ctx = OpenContext();
  auto task = ctx->keys->Revoke(key_id, "revoked by admin");
  FailOn(task.status(), "cannot revoke key " + std::to_string(key_id));
  std::string note;
  if (task->has_value() && !no_wait) note = RunTaskNow(*ctx, **task, key_id, KeyState::kRevoked);
  KeyState state{};
  ReadTx(*ctx, [&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(auto r, tx.keys().GetKey(key_id));
    state = r.state;
    return Status::Ok();
  });
  std::cout << key_id << "\t" << KeyStateName(state) << "\n";
  if (!task->has_value()) {
    std::cerr << "vpnhub: note: key " << key_id << " is "
              << (state == KeyState::kRevoked ? "already revoked" : "already being revoked")
              << "; nothing changed\n";
  }
  if (!note.empty()) std::cerr << "vpnhub: note: " << note << "\n";
}

void CmdUserList(bool as_json) {
  auto ctx = OpenContext();
  json out = json::array();
  Id after = 0;
  for (;;) {
    std::vector<User> page;
    ReadTx(*ctx, [&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(auto r, tx.users().ListUsers(after, 1000));
      page = std::move(r);
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
  if (as_json) PrintJson(out);
}

void CmdKeyExtend(Id key_id, int days) {
  auto ctx = OpenContext();
  auto key = ctx->keys->Extend(key_id, days);
  FailOn(key.status(), "cannot extend key " + std::to_string(key_id));
  std::cout << key->id << "\t" << KeyStateName(key->state) << "\texpires "
            << IsoUtc(key->expires_at) << " (" << KeyTimeLeft(*key, ctx->clock.Now()) << ")\n";
}

void AddKeyExtendCommand(CLI::App* key) {
  struct ExtendArgs {
    Id id = 0;
    int days = 0;
  };
  auto a = std::make_shared<ExtendArgs>();
  auto* extend = key->add_subcommand(
      "extend",
      "Add days to a pending or active key, from its expiry (or from now once it has passed); "
      "its expiry notices start afresh for the new date");
  extend->add_option("ID", a->id, "Key id (see key list)")->required()->check(PositiveId());
  extend->add_option("--days", a->days, "Days to add, 1..3650")
      ->required()
      ->check(IntIn(1, usecases::kMaxExtendDays));
  extend->callback([a] { CmdKeyExtend(a->id, a->days); });
}

}  // namespace

void AddKeyCommands(CLI::App& app) {
  auto* key = app.add_subcommand("key", "Manage keys")->require_subcommand(1);
  auto ka = std::make_shared<KeyCreateArgs>();
  auto* key_create = key->add_subcommand(
      "create",
      "Create a key for a user and print its line, then its link, or its configuration file for "
      "kinds that deliver one");
  key_create->add_option("--user", ka->user, "The user's Telegram id (created when new)")
      ->required()
      ->check(TgIdCheck());
  key_create->add_option("--location", ka->location, "Location name")->required();
  key_create->add_option("--days", ka->days, "Lifetime in days")->check(IntIn(1, kMaxDays));
  key_create->add_option("--seconds", ka->seconds, "Lifetime in seconds (for short tests)")
      ->check(IntIn(1, kMaxSeconds));
  key_create->add_flag("--no-wait", ka->no_wait,
                       "Only record the key; let the running service provision it");
  key_create->callback([ka] { CmdKeyCreate(*ka); });

  struct ListArgs {
    std::optional<TgId> user;
    std::string state;
    bool json = false;
  };
  auto list = std::make_shared<ListArgs>();
  auto* key_list = key->add_subcommand("list", "List keys, newest first");
  key_list->add_option("--user", list->user, "Only this Telegram id's keys")->check(TgIdCheck());
  key_list->add_option("--state", list->state, "Only keys in this state");
  AddJsonFlag(key_list, list->json);
  key_list->callback([list] { CmdKeyList(list->user, list->state, list->json); });
  AddKeyShowCommand(key);

  struct RevokeArgs {
    Id id = 0;
    bool no_wait = false;
  };
  auto revoke = std::make_shared<RevokeArgs>();
  auto* key_revoke = key->add_subcommand("revoke", "Revoke a key (removes it from its server)");
  key_revoke->add_option("ID", revoke->id, "Key id")->required()->check(PositiveId());
  key_revoke->add_flag("--no-wait", revoke->no_wait, "Only record it; let the service remove it");
  key_revoke->callback([revoke] { CmdKeyRevoke(revoke->id, revoke->no_wait); });
  AddKeyExtendCommand(key);

  auto* user = app.add_subcommand("user", "Manage users")->require_subcommand(1);
  auto user_json = std::make_shared<bool>(false);
  auto* user_list = user->add_subcommand("list", "List users");
  AddJsonFlag(user_list, *user_json);
  user_list->callback([user_json] { CmdUserList(*user_json); });
}

}  // namespace vpnhub::app::cli
