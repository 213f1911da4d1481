#include "app/cli.hpp"

#include <exception>
#include <iostream>

#include "app/cli_support.hpp"

namespace vpnhub::app {
namespace {

std::string ConfigHelp() {
  std::string out =
      "\nConfiguration (environment variables, or a .env file in the working directory):\n";
  for (const auto& v : ConfigVariables()) {
    out += "  " + v.name + std::string(v.name.size() < 26 ? 26 - v.name.size() : 1, ' ') +
           v.description + (v.default_value.empty() ? "" : " [default: " + v.default_value + "]") +
           "\n";
  }
  return out;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{
      "VPNHub: sell and run VPN access. Keys live on your VPN servers; the service "
      "provisions them, expires them on time, and loses nothing when it is killed.",
      "vpnhub"};
  app.require_subcommand(1);
  app.footer(ConfigHelp());
  app.set_version_flag("--version", "vpnhub 0.1.0");
  cli::AddServeCommands(app);
  cli::AddAdminCommands(app);
  cli::AddCatalogCommands(app);
  cli::AddKeyCommands(app);
  cli::AddTaskCommands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const cli::Exit& e) {
    return e.code;
  } catch (const std::exception& e) {
    // A fault of ours (an adapter let an exception out): a clear line and exit 1, not abort().
    std::cerr << "vpnhub: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace vpnhub::app
