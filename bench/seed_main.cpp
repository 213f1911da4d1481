// vpnhub_bench_seed DB_PATH KEYS DUE: a database for the memory and sweep figures.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "seed.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DB_PATH KEYS DUE\n", argv[0]);
    return 2;
  }
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return vpnhub::bench::SeedKeys(argv[1], std::atoll(argv[2]), std::atoll(argv[3]), now) ? 0 : 1;
}
