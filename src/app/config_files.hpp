#pragma once
// The checks of a configuration that need the file system: what `serve` would refuse later,
// reported by `check-config` (and at the start of `serve`) in the same list as ParseConfig's
// errors. ParseConfig itself stays pure.
#include <vector>

#include "app/config.hpp"

namespace vpnhub::app {

// One ConfigError per problem, none when the files are usable:
//   NATS_CREDS, NATS_TLS_CA (when NATS is on and the variable is set): an existing, readable,
//     non-empty regular file;
//   DATABASE_URL sqlite://PATH: the file (or, for a new one, its directory) writable by this
//     process ("the database file is read-only: ...").
std::vector<ConfigError> CheckConfigFiles(const Config& config);

}  // namespace vpnhub::app
