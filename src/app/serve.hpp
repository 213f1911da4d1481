#pragma once
#include <set>
#include <string>

#include "app/context.hpp"

namespace vpnhub::app {

enum class Role { kHttp, kScheduler, kWorker, kBot };
// "http,scheduler,worker,bot" -> roles; kInvalidArgument naming an unknown role.
Result<std::set<Role>> ParseRoles(const std::string& csv);

// Runs the chosen roles until SIGINT/SIGTERM. Returns the process exit code.
int RunServe(Context& ctx, const std::set<Role>& roles);

}  // namespace vpnhub::app
