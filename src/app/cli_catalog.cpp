#include <iostream>
#include <limits>

#include "app/cli_support.hpp"
#include "core/text_rules.hpp"

namespace vpnhub::app::cli {
namespace {

using nlohmann::json;

std::string LocationName(Context& ctx, Id location_id) {
  Names names = LoadNames(ctx);
  return names.locations[location_id];
}

// One line of `server list`. Stored texts are printed with control characters escaped.
void PrintServerRow(const Server& s, const std::string& location) {
  auto manager = s.settings.count("manager") ? s.settings.at("manager") : "";
  std::cout << s.id << "\t" << Escaped(s.name) << "\t" << Escaped(location) << "\t"
            << ServerKindName(s.kind) << "\t" << Escaped(s.public_host) << "\t" << s.used_slots
            << "/" << s.capacity << "\t" << (s.enabled ? "enabled" : "disabled") << "\t"
            << (s.healthy ? "healthy" : "unhealthy") << "\tmanager=" << Escaped(manager) << "\n";
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
  std::string location, kind = "shadowsocks", manager, public_host, ports, method, name;
  int capacity = 0;
};

void CmdServerAdd(const ServerAddArgs& a) {
  auto kind = ParseServerKind(a.kind);
  if (!kind) Fail("unknown server kind " + Quoted(a.kind) + " (supported: shadowsocks)", 2);
  const auto ports = ParsePortRange(a.ports);  // checked by PortRangeCheck already
  if (!ports) Fail("--ports: expected FROM-TO with 1 <= FROM <= TO <= 65535", 2);
  auto ctx = OpenContext();
  Server s;
  s.kind = *kind;
  s.name = a.name;
  s.public_host = a.public_host;
  s.capacity = a.capacity;
  s.settings["manager"] = a.manager;
  s.settings["port_from"] = std::to_string(ports->first);
  s.settings["port_to"] = std::to_string(ports->second);
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
      PrintServerRow(s, loc);
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
  std::optional<std::string> public_host, ports, name;
};

void CmdServerEdit(const ServerEditArgs& a) {
  const Id id = a.id;
  usecases::ServerEdit edit;
  edit.capacity = a.capacity;
  if (a.ports) {
    const auto ports = ParsePortRange(*a.ports);  // checked by PortRangeCheck already
    if (!ports) Fail("--ports: expected FROM-TO with 1 <= FROM <= TO <= 65535", 2);
    edit.settings = {{"port_from", std::to_string(ports->first)},
                     {"port_to", std::to_string(ports->second)}};
  }
  edit.public_host = a.public_host;
  edit.name = a.name;
  if (!edit.capacity && edit.settings.empty() && !edit.public_host && !edit.name) {
    Fail("nothing to change: give --capacity, --public-host, --ports and/or --name", 2);
  }
  auto ctx = OpenContext();
  std::string old_host;
  ReadTx(*ctx, [&](ports::StoreTx& tx) -> Status {
    auto s = tx.catalog().GetServer(id);
    if (s.ok()) old_host = s->public_host;
    return Status::Ok();  // an unknown id is reported by the use case
  });
  auto edited = ctx->catalog->EditServer(id, edit);
  FailOn(edited.status(), "cannot edit server " + std::to_string(id));
  PrintServerRow(*edited, LocationName(*ctx, edited->location_id));
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
  PrintServerRow(*server, LocationName(*ctx, server->location_id));
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
void AddServerEditCommands(CLI::App* server) {
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
  edit->add_option("--ports", se->ports,
                   "Port range for keys, FROM-TO; while keys hold slots FROM stays the same")
      ->check(PortRangeCheck());
  edit->add_option("--name", se->name, "Server name, 1 to 64 characters");
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

}  // namespace

void AddCatalogCommands(CLI::App& app) {
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
  auto sa = std::make_shared<ServerAddArgs>();
  auto* srv_add = server->add_subcommand("add", "Add a VPN server (shadowsocks: an ss-manager)");
  srv_add->add_option("--location", sa->location, "Location name")->required();
  srv_add->add_option("--kind", sa->kind, "Server kind")->capture_default_str();
  srv_add->add_option("--manager", sa->manager, "ss-manager UDP address HOST:PORT")->required();
  srv_add->add_option("--public-host", sa->public_host, "Host name or IP clients connect to")
      ->required();
  srv_add->add_option("--ports", sa->ports, "Port range for keys, FROM-TO")
      ->required()
      ->check(PortRangeCheck());
  srv_add->add_option("--capacity", sa->capacity, "Maximum number of keys")
      ->required()
      ->check(IntIn(1, 65535));
  srv_add->add_option("--method", sa->method, "Cipher [default: chacha20-ietf-poly1305]");
  srv_add->add_option("--name", sa->name, "Server name [default: LOCATION-HOST]");
  srv_add->callback([sa] { CmdServerAdd(*sa); });
  auto srv_json = std::make_shared<bool>(false);
  auto* srv_list = server->add_subcommand("list", "List servers with load and health");
  AddJsonFlag(srv_list, *srv_json);
  srv_list->callback([srv_json] { CmdServerList(*srv_json); });
  AddServerEditCommands(server);
}

}  // namespace vpnhub::app::cli
