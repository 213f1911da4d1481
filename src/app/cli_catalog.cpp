#include <iostream>

#include "app/cli_support.hpp"

namespace vpnhub::app::cli {
namespace {

using nlohmann::json;

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
      auto manager = s.settings.count("manager") ? s.settings.at("manager") : "";
      std::cout << s.id << "\t" << s.name << "\t" << loc << "\t" << ServerKindName(s.kind) << "\t"
                << s.public_host << "\t" << s.used_slots << "/" << s.capacity << "\t"
                << (s.enabled ? "enabled" : "disabled") << "\t"
                << (s.healthy ? "healthy" : "unhealthy") << "\tmanager=" << manager << "\n";
    }
  }
  if (as_json) std::cout << out.dump(2) << "\n";
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
}

}  // namespace vpnhub::app::cli
