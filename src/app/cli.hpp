#pragma once

namespace vpnhub::app {

// The `vpnhub` command line. Exit codes: 0 success, 1 the operation failed, 2 bad usage or
// configuration.
int RunCli(int argc, char** argv);

}  // namespace vpnhub::app
