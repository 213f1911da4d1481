#include "app/cli.hpp"

#include <exception>
#include <iostream>
#include <optional>

#include "app/cli_support.hpp"
#include "vpn/kinds.hpp"

namespace vpnhub::app {
namespace {

// "key frob" when the command line names a command that does not exist (`vpnhub key frob`),
// following the known commands from the top; nullopt when every command word is known. Flags of
// the command reached so far (--verbose) are skipped; the first option that takes a value ends
// the walk, as its value is not a command word.
std::optional<std::string> UnknownCommand(CLI::App& app, int argc, char** argv) {
  CLI::App* current = &app;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (!arg.empty() && arg[0] == '-') {
      const CLI::Option* opt = current->get_option_no_throw(arg.substr(0, arg.find('=')));
      if (opt == nullptr || opt->get_expected_min() != 0) return std::nullopt;
      continue;
    }
    const auto subs = current->get_subcommands([&](CLI::App* a) { return a->check_name(arg); });
    if (subs.empty()) {
      if (current->get_require_subcommand_min() == 0) return std::nullopt;
      return path + arg;
    }
    path += arg + " ";
    current = subs.front();
  }
  return std::nullopt;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{
      "VPNHub: sell and run VPN access. Keys live on your VPN servers; the service "
      "provisions them, expires them on time, and loses nothing when it is killed.",
      "vpnhub"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "vpnhub 0.1.0");
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "vpnhub: " + std::string(e.what()) + "\nRun with --help for more information.\n";
  });
  // Inherited by every subcommand made below: `vpnhub key list --verbose` reaches this flag.
  app.fallthrough();
  cli::SetVerbose(false);
  app.add_flag_callback(
      "--verbose", [] { cli::SetVerbose(true); },
      "Log events (JSON lines on stderr) while a command runs; without it a command prints only "
      "its result, unless LOG_LEVEL is set in the environment");
  cli::AddServeCommands(app);
  cli::AddAdminCommands(app);
  auto kinds = vpn::BuiltinKinds();
  if (!kinds.ok()) {
    std::cerr << "vpnhub: internal error: " << kinds.status().message() << "\n";
    return 1;
  }
  cli::AddCatalogCommands(app, *kinds, argc, argv);
  cli::AddDrainCommands(app);
  cli::AddKeyCommands(app);
  cli::AddTaskCommands(app);
  cli::AddBillingCommands(app);
  cli::AddPromoCommands(app);
  cli::AddNodeCommands(app);
  // After the subcommands: they copy the footer when made, and the variables belong to the
  // top-level help and check-config's only.
  app.footer(ConfigHelp());
  app.get_subcommand("check-config")->footer(ConfigHelp());

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (auto unknown = UnknownCommand(app, argc, argv)) {
      const std::string parent = unknown->find(' ') == std::string::npos
                                     ? ""
                                     : unknown->substr(0, unknown->rfind(' ') + 1);
      std::cerr << "vpnhub: unknown command '" << *unknown << "' (see vpnhub " << parent
                << "--help)\n";
      return 2;
    }
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
