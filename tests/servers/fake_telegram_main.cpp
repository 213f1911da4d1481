// The fake Bot API as a process, for end-to-end tests of the real binary:
//   fake_telegram --token TOKEN [--port 0] [--host 127.0.0.1] [--threads 32] [--rate-limit]
// Prints "listening PORT" as its first stdout line once it accepts connections, then serves
// until SIGINT or SIGTERM. Controls: HTTP under /control/ (see fake_telegram_http.cpp).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "servers/fake_telegram.hpp"

namespace {

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --token TOKEN [--port N] [--host ADDR] [--threads N] [--rate-limit]\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string token, host = "127.0.0.1";
  int port = 0, threads = 32;
  bool rate_limit = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--token" && has_value) {
      token = argv[++i];
    } else if (arg == "--port" && has_value) {
      port = std::atoi(argv[++i]);
    } else if (arg == "--host" && has_value) {
      host = argv[++i];
    } else if (arg == "--threads" && has_value) {
      threads = std::atoi(argv[++i]);
    } else if (arg == "--rate-limit") {
      rate_limit = true;
    } else {
      return Usage(argv[0]);
    }
  }
  if (token.empty() || port < 0 || port > 65535 || threads < 1) return Usage(argv[0]);

  // Block the signals before any thread starts so that only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  vpnhub::servers::FakeTelegram fake(token, threads);
  if (const vpnhub::Status st = fake.Start(port, host); !st.ok()) {
    std::fprintf(stderr, "fake_telegram: %s\n", st.ToString().c_str());
    return 1;
  }
  if (rate_limit) fake.SetRateLimit(true);
  std::printf("listening %d\n", fake.port());
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  fake.Stop();
  return 0;
}
