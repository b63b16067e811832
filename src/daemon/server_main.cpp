// teredod-server: the Teredo server daemon (RFC 4380 5.3), compatible with miredo-server.
#include <cstdio>
#include <string_view>
#include <vector>

#include "daemon/command_line.hpp"
#include "daemon/server_driver.hpp"

#ifndef TEREDOD_VERSION
#define TEREDOD_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  using namespace teredo::daemon;
  std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  const ParsedCommandLine parsed = parse_command_line(args);
  switch (parsed.action) {
    case CommandAction::UsageError:
      std::fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", kServerProgram, parsed.error.c_str(),
                   kServerProgram);
      return kExitUsage;
    case CommandAction::Help:
      std::fputs(usage_text(kServerProgram, "Teredo (RFC 4380) server for Linux.",
                            "SERVER_NAME, if given, is the primary server IPv4 address or host name; it replaces\n"
                            "ServerBindAddress and ServerBindAddress2 (the secondary becomes primary + 1).",
                            UsageDefaults{kDefaultServerConfig, kDefaultServerPidfile, kDefaultServerUser})
                     .c_str(),
                 stdout);
      return kExitOk;
    case CommandAction::Version:
      std::printf("%s %s\n", kServerProgram, TEREDOD_VERSION);
      return kExitOk;
    case CommandAction::Run: break;
  }
  return run_server(parsed.options);
}
