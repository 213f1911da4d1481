#pragma once
// Fills a SQLite database with one location, one server and N keys of which `due` are past their
// expiry, fast (raw SQL in one transaction; the schema comes from the store's migrations).
#include <cstdint>
#include <string>

namespace vpnhub::bench {

// Creates (or replaces) the database at `path`. Keys: `due` expire at `now_ms - 1000`, the rest
// a year later. Returns false and prints the error on failure.
bool SeedKeys(const std::string& path, std::int64_t keys, std::int64_t due, std::int64_t now_ms);

}  // namespace vpnhub::bench
