// `vpnhub node init|run`: the node agent on a VPN host. Needs neither the hub's database nor its
// configuration (.env): everything it needs is in the node's directory.
#include <iostream>
#include <memory>
#include <string>

#include "app/cli_support.hpp"
#include "app/shutdown_signal.hpp"
#include "http/server.hpp"
#include "node/node_api.hpp"
#include "node/node_dir.hpp"
#include "node/uapi_client.hpp"

namespace vpnhub::app::cli {
namespace {

struct NodeInitArgs {
  node::NodeConfig config;
  std::string dir = node::kDefaultNodeDir;
  bool force = false;
};

void CmdNodeInit(const NodeInitArgs& args) {
  auto result = node::InitNodeDir(args.dir, args.config, args.force);
  if (!result.ok()) {
    const auto code = result.status().code();
    Fail("node init: " + result.status().message(),
         code == StatusCode::kInvalidArgument || code == StatusCode::kFailedPrecondition ? 2 : 1);
  }
  std::cout << result->HubLine() << std::endl;
  std::cerr << "vpnhub node: run the line above on the hub, adding --location, --name and "
               "--capacity; then start `vpnhub node run"
            << (args.dir == node::kDefaultNodeDir ? "" : " --dir " + args.dir) << "` here\n";
}

void CmdNodeRun(const std::string& dir) {
  auto files = node::LoadNodeDir(dir);
  if (!files.ok()) {
    Fail("node run: " + files.status().message(),
         files.status().code() == StatusCode::kUnavailable ? 1 : 2);
  }
  // Before any thread starts: the threads inherit the blocked SIGINT/SIGTERM.
  auto signal = ShutdownSignal::Create();
  FailOn(signal.status(), "node run");
  const node::NodeConfig& config = files->config;
  node::NodeApiOptions options;
  options.interface_name = config.interface_name;
  options.endpoint = config.endpoint;
  options.tunnel = config.tunnel;
  options.token = files->token;
  options.uapi_socket = config.uapi_socket.empty() ? node::DefaultUapiSocket(config.interface_name)
                                                   : config.uapi_socket;
  // One read of the interface serves the requests of the next second (see NodeApiOptions).
  options.snapshot_max_age = std::chrono::seconds(1);
  auto api = node::NodeApi::Create(options);
  FailOn(api.status(), "node run");
  http::Router router;
  (*api)->Mount(router);
  auto listen = node::ParseHostPort(config.listen);
  FailOn(listen.status(), "node run: listen");
  http::ServerOptions so;
  so.host = listen->host;
  so.port = listen->port;
  so.threads = 1;
  so.body_limit = 64 * 1024;
  so.tls_cert_file = files->cert_file;
  so.tls_key_file = files->key_file;
  http::HttpServer server(so, std::move(router));
  FailOn(server.Start(), "node run");
  auto probe = node::UapiClient(options.uapi_socket, std::chrono::seconds(2)).Get();
  if (!probe.ok()) {
    std::cerr << "vpnhub node: warning: interface " << config.interface_name
              << " cannot be read yet (" << probe.status().message()
              << "); the API answers 503 until it can\n";
  }
  std::cerr << "vpnhub node: serving " << config.listen << " (TLS, certificate sha256 "
            << files->cert_sha256 << ") for interface " << config.interface_name << std::endl;
  auto cause = (*signal)->Wait();
  std::cerr << "vpnhub node: stopping (signal " << cause.signal << ")" << std::endl;
  server.Stop();
}

}  // namespace

void AddNodeCommands(CLI::App& app) {
  auto* node = app.add_subcommand(
      "node",
      "The node agent on a VPN host: manages the peers of a WireGuard interface (wireguard-go, "
      "through its UAPI socket) for the hub over HTTPS. Needs no database and no .env.");
  node->require_subcommand(1);

  auto init_args = std::make_shared<NodeInitArgs>();
  init_args->config.listen = node::kDefaultListen;
  auto* init = node->add_subcommand(
      "init",
      "Write a self-signed certificate (EC P-256, 10 years), its key, a token and node.json into "
      "--dir, and print the one `vpnhub server add --kind wireguard ...` line to run on the hub. "
      "The interface must be brought up by you (wg-quick or wireguard-go with its own key and "
      "listen port); the node manages its peers only.");
  init->add_option("--interface", init_args->config.interface_name,
                   "The WireGuard interface, e.g. wg0")
      ->required();
  init->add_option("--endpoint", init_args->config.endpoint,
                   "HOST:PORT the VPN clients connect to (the Endpoint of their .conf)")
      ->required();
  init->add_option("--tunnel", init_args->config.tunnel,
                   "The tunnel network with the interface's own address, e.g. 10.8.0.1/24; peers "
                   "get /32 addresses inside it")
      ->required();
  init->add_option("--listen", init_args->config.listen,
                   "ADDR:PORT the API listens on. With 0.0.0.0 or :: the printed URL uses the "
                   "endpoint's host")
      ->capture_default_str();
  init->add_option("--dir", init_args->dir, "The node's directory")->capture_default_str();
  init->add_option("--uapi-socket", init_args->config.uapi_socket,
                   "The interface's UAPI socket (default /var/run/wireguard/IF.sock)");
  init->add_flag("--force", init_args->force,
                 "Replace the certificate and token of an initialised directory (the hub must "
                 "then be given the new line)");
  init->callback([init_args] { CmdNodeInit(*init_args); });

  auto run_dir = std::make_shared<std::string>(node::kDefaultNodeDir);
  auto* run = node->add_subcommand(
      "run",
      "Serve the node API (HTTPS on the listen address of node.json) until SIGTERM or SIGINT.");
  run->add_option("--dir", *run_dir, "The node's directory, as given to `node init`")
      ->capture_default_str();
  run->callback([run_dir] { CmdNodeRun(*run_dir); });
}

}  // namespace vpnhub::app::cli
