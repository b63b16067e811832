// SPDX-License-Identifier: GPL-2.0-or-later
// main() of teredod and teredod-server.
#include "daemon/daemon_main.hpp"

#include <cstdio>
#include <vector>

namespace teredo::daemon {

int daemon_main(int argc, char** argv, const DaemonMain& m) {
  std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  const ParsedCommandLine parsed = parse_command_line(args);
  switch (parsed.action) {
    case CommandAction::UsageError:
      std::fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", m.program, parsed.error.c_str(),
                   m.program);
      return kExitUsage;
    case CommandAction::Help:
      std::fputs(usage_text(m.program, m.summary, m.server_name_help, m.defaults).c_str(), stdout);
      return kExitOk;
    case CommandAction::Version:
      std::fputs(version_text(std::string(m.program) + " " + m.version).c_str(), stdout);
      return kExitOk;
    case CommandAction::Run:
      break;
  }
  return m.run(parsed.options);
}

}  // namespace teredo::daemon
