#include "app/cli.hpp"
#include "telegram/bot_api.hpp"

int main(int argc, char** argv) {
  vpnhub::telegram::CurlGlobal curl;  // before any thread starts
  return vpnhub::app::RunCli(argc, argv);
}
