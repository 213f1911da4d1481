#pragma once
// Shared by the bot benchmarks: a throwaway SQLite database folder, the `vpnhub serve` context
// wired against the in-process fake Bot API, and percentiles.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "app/config.hpp"
#include "app/context.hpp"
#include "percentile.hpp"
#include "servers/fake_telegram.hpp"

namespace vpnhub::bench {

constexpr char kToken[] = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";  // passes TG_TOKEN checks

struct TempDb {
  std::filesystem::path dir;
  TempDb() {
    char tmpl[] = "/tmp/vpnhub-botbench-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  ~TempDb() { std::filesystem::remove_all(dir); }
  std::string url() const { return "sqlite://" + (dir / "vpnhub.db").string(); }
};

// The context `vpnhub serve` builds, talking to `fake`, on the database in `db`; exits on errors.
inline std::unique_ptr<app::Context> MakeBenchContext(const servers::FakeTelegram& fake,
                                                      const TempDb& db, int rate_per_sec,
                                                      app::EnvMap extra = {}) {
  app::EnvMap env{{"TG_TOKEN", fake.token()},
                  {"TELEGRAM_API_URL", fake.base_url()},
                  {"ADMIN_TG_ID", "1"},
                  {"DATABASE_URL", db.url()},
                  {"TRIAL_PERIOD", "86400"},
                  {"LOG_LEVEL", "error"},
                  {"TELEGRAM_RATE_PER_SEC", std::to_string(rate_per_sec)}};
  for (auto& [name, value] : extra) env[name] = value;
  auto parsed = app::ParseConfig(env);
  if (auto* errors = std::get_if<std::vector<app::ConfigError>>(&parsed)) {
    for (const auto& e : *errors) std::cerr << "config: " << e.name << ": " << e.expected << "\n";
    std::exit(1);
  }
  auto ctx = app::MakeContext(std::get<app::Config>(parsed));
  if (!ctx.ok()) {
    std::cerr << "context: " << ctx.status().ToString() << "\n";
    std::exit(1);
  }
  return std::move(*ctx);
}

}  // namespace vpnhub::bench
