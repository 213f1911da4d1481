#include "app/cli.hpp"

int main(int argc, char** argv) { return vpnhub::app::RunCli(argc, argv); }
