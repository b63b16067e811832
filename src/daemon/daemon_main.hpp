// SPDX-License-Identifier: GPL-2.0-or-later
// main() of teredod and teredod-server: the command line, --help, --version and usage errors.
#pragma once

#include <string_view>

#include "daemon/command_line.hpp"
#include "daemon/version.hpp"

namespace teredo::daemon {

/// What one daemon's main() prints and runs.
struct DaemonMain {
  const char* program = "";
  std::string_view summary;           // first line of --help
  std::string_view server_name_help;  // the SERVER_NAME paragraph of --help
  UsageDefaults defaults;
  const char* version = kVersion;  // printed by --version, with version_text()
  int (*run)(const CommandLine&) = nullptr;
};

/// Parses argv[1..]; prints usage errors (stderr, kExitUsage), --help and --version (stdout,
/// kExitOk); otherwise returns m.run(options).
int daemon_main(int argc, char** argv, const DaemonMain& m);

}  // namespace teredo::daemon
