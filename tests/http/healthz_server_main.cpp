// A stand-in for `vpnhub serve` that runs only the HTTP server with the ops routes, for measuring
// the server alone: `vpnhub_http_healthz_server serve` with HTTP_LISTEN=host:port (and
// HTTP_THREADS, default 2). DATABASE_URL and LOG_LEVEL are accepted and ignored.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "http/ops_routes.hpp"
#include "http/server.hpp"
#include "metrics/registry.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "serve") != 0) {
    std::fprintf(stderr, "usage: %s serve   (env HTTP_LISTEN=host:port, HTTP_THREADS=n)\n",
                 argv[0]);
    return 2;
  }
  const char* listen = std::getenv("HTTP_LISTEN");
  std::string hostport = listen ? listen : "127.0.0.1:8080";
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "HTTP_LISTEN must be host:port\n");
    return 2;
  }
  vpnhub::http::ServerOptions o;
  o.host = hostport.substr(0, colon);
  if (o.host.size() > 1 && o.host.front() == '[') o.host = o.host.substr(1, o.host.size() - 2);
  o.port = static_cast<std::uint16_t>(std::atoi(hostport.c_str() + colon + 1));
  const char* threads = std::getenv("HTTP_THREADS");
  o.threads = threads ? std::atoi(threads) : 2;

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the io threads exist

  vpnhub::metrics::Registry registry;
  vpnhub::http::Router router;
  vpnhub::http::OpsRoutesOptions ops;
  ops.ready = [] { return true; };
  ops.registry = &registry;
  vpnhub::http::AddOpsRoutes(router, ops);
  vpnhub::http::HttpServer server(o, std::move(router), &registry);
  vpnhub::Status st = server.Start();
  if (!st.ok()) {
    std::fprintf(stderr, "start: %s\n", st.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "listening on %s:%u with %d threads\n", o.host.c_str(), server.port(),
               o.threads);
  int sig = 0;
  sigwait(&signals, &sig);
  server.Stop();
  return 0;
}
