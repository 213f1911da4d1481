#include <iostream>
#include <limits>
#include <set>

#include "app/cli_support.hpp"
#include "app/format.hpp"
#include "core/text_rules.hpp"
#include "core/usecases/reconcile.hpp"
#include "vpn/kind_registry.hpp"

namespace vpnhub::app::cli {
namespace {

using nlohmann::json;

std::string LocationName(Context& ctx, Id location_id) {
  Names names = LoadNames(ctx);
  return names.locations[location_id];
}

// One line of `server list`: ..., healthy/unhealthy, when that last changed (changed=ISO time, or
// changed=never), ending in the kind's listed setting (shadowsocks: manager=HOST:PORT; "-" for a
// kind this build does not serve). Stored texts are printed with control characters
// escaped.
void PrintServerRow(const vpn::KindRegistry& kinds, const Server& s, const std::string& location) {
  std::string listed = "-";
  if (auto spec = kinds.Find(s.kind); spec.ok()) {
    const std::string& setting = (*spec)->listed_setting;
    auto it = s.settings.find(setting);
    listed =
        setting + "=" +
        Escaped(it == s.settings.end() ? "" : vpn::PrintableSetting(**spec, setting, it->second));
  }
  std::cout << s.id << "\t" << Escaped(s.name) << "\t" << Escaped(location) << "\t" << s.kind
            << "\t" << Escaped(s.public_host) << "\t" << s.used_slots << "/" << s.capacity << "\t"
            << (s.enabled ? "enabled" : "disabled") << "\t" << (s.healthy ? "healthy" : "unhealthy")
            << "\tchanged="
            << (s.health_changed_at ? IsoUtc(*s.health_changed_at) : std::string("never")) << "\t"
            << listed << "\n";
}

// The options of a kind's setting flags on one command: each flag's value and CLI11 option.
struct KindFlagValues {
  std::map<std::string, std::vector<std::string>> values;  // by flag name; one unless repeatable
  std::map<std::string, CLI::Option*> options;
  bool AnyGiven() const {
    for (const auto& [name, opt] : options) {
      if (opt->count() > 0) return true;
    }
    return false;
  }
};

// Adds `flag` to `cmd` with `help`, checked by the flag's own apply function.
void AddKindFlag(CLI::App* cmd, const vpn::SettingFlag& flag, const std::string& help,
                 KindFlagValues& into) {
  auto apply = flag.apply;
  CLI::Validator check(
      [apply](std::string& value) -> std::string {
        ServerSettings scratch;
        const Status st = apply(value, scratch);
        return st.ok() ? "" : st.message();
      },
      flag.value_hint);
  CLI::Option* opt = cmd->add_option(flag.name, into.values[flag.name], help)->check(check);
  // A repeatable flag takes one value per occurrence (`--inbound A --inbound B`) or several after
  // one (`--inbound A B`); any other flag exactly one value, once.
  if (flag.repeatable) {
    opt->expected(1, CLI::detail::expected_max_vector_size)->take_all();
  } else {
    opt->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::Throw);
  }
  into.options[flag.name] = opt;
}

// The settings the given flags of `spec` set. A given flag `spec` does not offer (`server edit`
// of another kind's flag) ends the command with exit 2.
ServerSettings KindSettings(const vpn::KindSpec& spec, const KindFlagValues& flags, bool editing) {
  ServerSettings settings;
  for (const auto& [name, opt] : flags.options) {
    if (opt->count() == 0) continue;
    const vpn::SettingFlag* flag = nullptr;
    for (const auto& f : spec.flags) {
      if (f.name == name && (!editing || !f.edit_help.empty())) flag = &f;
    }
    if (flag == nullptr) Fail(name + " does not apply to a " + spec.name + " server", 2);
    for (const std::string& value : flags.values.at(name)) {
      FailOn(flag->apply(value, settings), name);
    }
  }
  return settings;
}

void PrintLocationRow(const Location& l) {
  std::cout << l.id << "\t" << Escaped(l.name) << "\t" << (l.enabled ? "enabled" : "disabled")
            << "\n";
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
      std::cout << l.id << "\t" << Escaped(l.name) << "\t" << (l.enabled ? "enabled" : "disabled")
                << "\t" << servers << " servers\t" << used << "/" << capacity << " used\n";
    }
  }
  if (as_json) PrintJson(out);
}

struct ServerAddArgs {
  std::string location, kind, public_host, name;
  int capacity = 0;
  KindFlagValues flags;  // of the kind named on the command line (see KindOnCommandLine)
};

void CmdServerAdd(const vpn::KindRegistry& kinds, const ServerAddArgs& a) {
  auto spec = kinds.Find(a.kind);
  if (!spec.ok()) Fail(spec.status().message(), 2);
  Server s;
  s.kind = a.kind;
  s.name = a.name;
  s.public_host = a.public_host;
  s.capacity = a.capacity;
  s.settings = KindSettings(**spec, a.flags, /*editing=*/false);
  auto ctx = OpenContext();
  if ((*spec)->prepare_server) {
    // The kind's probe before saving: what the server says about itself is part of what is stored.
    FailOn((*spec)->prepare_server(ctx->backend_options, s), "cannot add server");
  }
  if (s.public_host.empty()) Fail("--public-host is required for a " + a.kind + " server", 2);
  auto added = ctx->catalog->AddServer(a.location, s);
  FailOn(added.status(), "cannot add server");
  std::cout << added->id << "\t" << added->name << "\t" << a.location << "\t" << added->kind << "\t"
            << added->public_host << "\t0/" << added->capacity << "\n";
  // The kind's probe: a server that does not answer is accepted (it may come up later) but the
  // operator is told.
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
      auto spec = ctx->kinds.Find(s.kind);
      out.push_back(ServerJson(s, loc, spec.ok() ? *spec : nullptr));
    } else {
      PrintServerRow(ctx->kinds, s, loc);
    }
  }
  if (as_json) PrintJson(out);
}

void CmdLocationRename(const std::string& old_name, const std::string& new_name) {
  auto ctx = OpenContext();
  auto loc = ctx->catalog->RenameLocation(old_name, new_name);
  FailOn(loc.status(), "cannot rename location");
  PrintLocationRow(*loc);
}

void CmdLocationSetEnabled(const std::string& name, bool enabled) {
  auto ctx = OpenContext();
  auto loc = ctx->catalog->SetLocationEnabled(name, enabled);
  FailOn(loc.status(), std::string("cannot ") + (enabled ? "enable" : "disable") + " location");
  PrintLocationRow(*loc);
}

struct ServerEditArgs {
  Id id = 0;
  std::optional<int> capacity;
  std::optional<std::string> public_host, name;
  KindFlagValues flags;                           // every kind's flags that `server edit` offers
  std::vector<std::string> foreign, not_foreign;  // remote ids the reconciliation never touches
};

void CmdServerEdit(const ServerEditArgs& a) {
  const Id id = a.id;
  usecases::ServerEdit edit;
  edit.capacity = a.capacity;
  edit.public_host = a.public_host;
  edit.name = a.name;
  if (!edit.capacity && !a.flags.AnyGiven() && !edit.public_host && !edit.name &&
      a.foreign.empty() && a.not_foreign.empty()) {
    std::string give = "--capacity, --public-host, --foreign, --not-foreign";
    for (const auto& [name, opt] : a.flags.options) give += ", " + name;
    Fail("nothing to change: give " + give + " and/or --name", 2);
  }
  auto ctx = OpenContext();
  std::optional<Server> current;
  ReadTx(*ctx, [&](ports::StoreTx& tx) -> Status {
    auto s = tx.catalog().GetServer(id);
    if (s.ok()) current = *s;
    return Status::Ok();  // an unknown id is reported by the use case
  });
  if (current && a.flags.AnyGiven()) {
    auto spec = ctx->kinds.Find(current->kind);
    FailOn(spec.status(), "cannot edit server " + std::to_string(id));
    edit.settings = KindSettings(**spec, a.flags, /*editing=*/true);
  }
  if (current && (!a.foreign.empty() || !a.not_foreign.empty())) {
    std::set<std::string> ids = usecases::ForeignRemoteIds(*current);
    for (const std::string& id : a.foreign) ids.insert(id);
    for (const std::string& id : a.not_foreign) ids.erase(id);
    edit.settings[usecases::kForeignSetting] = usecases::ForeignSettingValue(ids);
  }
  const std::string old_host = current ? current->public_host : "";
  auto edited = ctx->catalog->EditServer(id, edit);
  FailOn(edited.status(), "cannot edit server " + std::to_string(id));
  PrintServerRow(ctx->kinds, *edited, LocationName(*ctx, edited->location_id));
  if (edited->public_host != old_host && edited->used_slots > 0) {
    std::cerr << "vpnhub: note: the " << edited->used_slots
              << " keys on this server keep their ports; their links now name "
              << Escaped(edited->public_host) << ", and clients that imported the old link keep "
              << "connecting to " << Escaped(old_host) << "\n";
  }
}

void CmdServerSetEnabled(Id id, bool enabled) {
  auto ctx = OpenContext();
  auto server = ctx->catalog->SetServerEnabled(id, enabled);
  FailOn(server.status(), std::string("cannot ") + (enabled ? "enable" : "disable") + " server " +
                              std::to_string(id));
  PrintServerRow(ctx->kinds, *server, LocationName(*ctx, server->location_id));
}

// location rename / disable / enable
void AddLocationEditCommands(CLI::App* location) {
  struct RenameArgs {
    std::string old_name, new_name;
  };
  auto rn = std::make_shared<RenameArgs>();
  auto* rename = location->add_subcommand(
      "rename", "Rename a location; its servers and keys stay with it (people see the new name)");
  rename->add_option("OLD", rn->old_name, "Current location name")->required();
  rename->add_option("NEW", rn->new_name, "New name: 1 to 64 characters, no control characters")
      ->required();
  rename->callback([rn] { CmdLocationRename(rn->old_name, rn->new_name); });
  for (bool enabled : {false, true}) {
    auto name = std::make_shared<std::string>();
    auto* cmd = location->add_subcommand(
        enabled ? "enable" : "disable",
        enabled ? "Offer a disabled location again"
                : "Stop offering a location: no new keys there; its keys keep working");
    cmd->add_option("NAME", *name, "Location name")->required();
    cmd->callback([name, enabled] { CmdLocationSetEnabled(*name, enabled); });
  }
}

// server edit / disable / enable
void AddServerEditCommands(CLI::App* server, const vpn::KindRegistry& kinds) {
  auto se = std::make_shared<ServerEditArgs>();
  auto* edit = server->add_subcommand(
      "edit",
      "Change a server under the rules of `server add`; the keys it holds keep working (the "
      "capacity stays at or above the slots in use, a port range keeps every port in use)");
  edit->add_option("ID", se->id, "Server id (see server list)")->required()->check(PositiveId());
  edit->add_option("--capacity", se->capacity, "Maximum number of keys, 1..65535")
      ->check(IntIn(1, 65535));
  edit->add_option("--public-host", se->public_host,
                   "Host name, IPv4 or IPv6 address clients connect to");
  // Every kind's editable flags, each once (checked as the first kind declaring it checks it; the
  // server's own kind applies it).
  for (const vpn::KindSpec* spec : kinds.kinds()) {
    for (const vpn::SettingFlag& flag : spec->flags) {
      if (flag.edit_help.empty() || se->flags.options.count(flag.name) > 0) continue;
      AddKindFlag(edit, flag, flag.edit_help, se->flags);
    }
  }
  edit->add_option("--name", se->name, "Server name, 1 to 64 characters");
  edit->add_option("--foreign", se->foreign,
                   "Mark a remote key id (shadowsocks: its port) as not the hub's: the "
                   "reconciliation never removes, replaces or restores it (repeatable; kept in "
                   "the server setting \"foreign\", at most 255 characters)")
      ->check(CLI::Validator(
          [](std::string& v) {
            return v.empty() || v.find(',') != std::string::npos ? "a remote id without commas"
                                                                 : std::string();
          },
          "REMOTE_ID"));
  edit->add_option("--not-foreign", se->not_foreign,
                   "Take a remote key id off the foreign list again (repeatable)");
  edit->callback([se] { CmdServerEdit(*se); });
  for (bool enabled : {false, true}) {
    auto id = std::make_shared<Id>(0);
    auto* cmd =
        server->add_subcommand(enabled ? "enable" : "disable",
                               enabled ? "Give new keys to a disabled server again"
                                       : "Give no new keys to a server; its keys keep working");
    cmd->add_option("ID", *id, "Server id (see server list)")->required()->check(PositiveId());
    cmd->callback([id, enabled] { CmdServerSetEnabled(*id, enabled); });
  }
}

// The value of `--kind` on a `server add` command line (the default kind without one): the kind
// whose flags `server add` offers, and whose options `server add --kind KIND --help` shows. The
// tree of options is made before CLI11 parses, so the kind is read from argv first.
std::string KindOnCommandLine(int argc, char** argv, const std::string& default_kind) {
  bool in_server_add = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (!in_server_add) {
      in_server_add = arg == "add" && i > 1 && std::string(argv[i - 1]) == "server";
      continue;
    }
    if (arg == "--kind" && i + 1 < argc) return argv[i + 1];
    if (arg.rfind("--kind=", 0) == 0) return arg.substr(7);
  }
  return default_kind;
}

// server add: the common options, and the setting flags of the kind on the command line (of the
// default kind when that kind is unknown, which the command then refuses).
void AddServerAddCommand(CLI::App* server, const vpn::KindRegistry& kinds, int argc, char** argv) {
  const auto all = kinds.kinds();
  const std::string default_kind = all.empty() ? "" : all.front()->name;
  auto chosen = kinds.Find(KindOnCommandLine(argc, argv, default_kind));
  const vpn::KindSpec* spec = chosen.ok() ? *chosen : all.empty() ? nullptr : all.front();
  auto sa = std::make_shared<ServerAddArgs>();
  sa->kind = default_kind;
  auto* add = server->add_subcommand(
      "add", "Add a VPN server" + (spec ? " (" + spec->name + ": " + spec->summary + ")" : ""));
  add->add_option("--location", sa->location, "Location name")->required();
  add->add_option("--kind", sa->kind, "Server kind")->capture_default_str();
  for (const vpn::SettingFlag& flag : spec ? spec->flags : std::vector<vpn::SettingFlag>{}) {
    AddKindFlag(add, flag, flag.help, sa->flags);
    if (flag.required) sa->flags.options[flag.name]->required();
  }
  // A kind that asks its server before saving may fill the public host in (KindSpec::
  // prepare_server); for the others it is required.
  const bool host_optional = spec != nullptr && spec->prepare_server != nullptr;
  auto* public_host = add->add_option(
      "--public-host", sa->public_host,
      host_optional ? "Host name or IP clients connect to [default: from the server's settings]"
                    : "Host name or IP clients connect to");
  if (!host_optional) public_host->required();
  add->add_option("--capacity", sa->capacity, "Maximum number of keys")
      ->required()
      ->check(IntIn(1, 65535));
  add->add_option("--name", sa->name, "Server name [default: LOCATION-HOST]");
  if (all.size() > 1) {
    std::string list;
    for (const vpn::KindSpec* k : all)
      list += (list.empty() ? "" : ", ") + k->name + " (" + k->summary + ")";
    add->footer("\nServer kinds: " + list +
                ".\n`vpnhub server add --kind KIND --help` shows the options of KIND.");
  }
  add->callback([&kinds, sa] { CmdServerAdd(kinds, *sa); });
}

}  // namespace

void AddCatalogCommands(CLI::App& app, const vpn::KindRegistry& kinds, int argc, char** argv) {
  auto* location = app.add_subcommand("location", "Manage locations")->require_subcommand(1);
  auto loc_name = std::make_shared<std::string>();
  auto* loc_add = location->add_subcommand("add", "Add a location");
  loc_add->add_option("NAME", *loc_name, "Location name, e.g. Amsterdam")->required();
  loc_add->callback([loc_name] { CmdLocationAdd(*loc_name); });
  auto loc_json = std::make_shared<bool>(false);
  auto* loc_list = location->add_subcommand("list", "List locations with capacity");
  AddJsonFlag(loc_list, *loc_json);
  loc_list->callback([loc_json] { CmdLocationList(*loc_json); });
  AddLocationEditCommands(location);

  auto* server = app.add_subcommand("server", "Manage VPN servers")->require_subcommand(1);
  AddServerAddCommand(server, kinds, argc, argv);
  auto srv_json = std::make_shared<bool>(false);
  auto* srv_list =
      server->add_subcommand("list", "List servers with load, health and when it last changed");
  AddJsonFlag(srv_list, *srv_json);
  srv_list->callback([srv_json] { CmdServerList(*srv_json); });
  AddServerEditCommands(server, kinds);
  AddServerReconcileCommand(server);
}

}  // namespace vpnhub::app::cli
