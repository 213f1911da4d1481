// vpnhub_bench_seed DB_PATH KEYS DUE [SETTLED_PER_KEY [SETTLED_AGE_DAYS]]: a database for the
// memory and sweep figures. KEYS active keys, one owner each, DUE of them expired; with
// SETTLED_PER_KEY, that many done tasks and sent messages per key, settled SETTLED_AGE_DAYS
// (default 1) ago.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "seed.hpp"

int main(int argc, char** argv) {
  if (argc < 4 || argc > 6) {
    std::fprintf(stderr, "usage: %s DB_PATH KEYS DUE [SETTLED_PER_KEY [SETTLED_AGE_DAYS]]\n",
                 argv[0]);
    return 2;
  }
  vpnhub::bench::SeedOptions o;
  o.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  o.keys = std::atoll(argv[2]);
  o.due = std::atoll(argv[3]);
  if (argc >= 5) o.done_tasks_per_key = o.sent_messages_per_key = std::atoll(argv[4]);
  if (argc >= 6) o.settled_age_ms = std::atoll(argv[5]) * 86400LL * 1000;
  return vpnhub::bench::Seed(argv[1], o) ? 0 : 1;
}
