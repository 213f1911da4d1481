#pragma once
#include <set>
#include <string>

#include "app/context.hpp"

namespace vpnhub::app {

enum class Role { kHttp, kScheduler, kWorker, kBot };
// "http,scheduler,worker,bot" -> roles; kInvalidArgument naming an unknown role.
Result<std::set<Role>> ParseRoles(const std::string& csv);

// Runs the chosen roles as components (app/component.hpp) until SIGINT/SIGTERM or until one
// of them cannot go on (NATS refused the credentials: exit code 1). Returns the process exit
// code: 0 after a signal, 1 or 2 when a role could not start (2: a setting to fix).
int RunServe(Context& ctx, const std::set<Role>& roles);

}  // namespace vpnhub::app
