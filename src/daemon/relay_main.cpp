// teredod: the Teredo relay (RFC 4380 5.4) and, later, client daemon, compatible with miredo(8).
#include <cstdio>
#include <string_view>
#include <vector>

#include "daemon/command_line.hpp"
#include "daemon/relay_driver.hpp"

#ifndef TEREDOD_VERSION
#define TEREDOD_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  using namespace teredo::daemon;
  std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  const ParsedCommandLine parsed = parse_command_line(args);
  switch (parsed.action) {
    case CommandAction::UsageError:
      std::fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", kTeredodProgram, parsed.error.c_str(),
                   kTeredodProgram);
      return kExitUsage;
    case CommandAction::Help:
      std::fputs(usage_text(kTeredodProgram, "Teredo (RFC 4380) relay and client for Linux.",
                            "SERVER_NAME, if given, is the Teredo server (client mode; ignored by relays).",
                            UsageDefaults{kDefaultTeredodConfig, kDefaultTeredodPidfile, kDefaultTeredodUser})
                     .c_str(),
                 stdout);
      return kExitOk;
    case CommandAction::Version:
      std::printf("%s %s\n", kTeredodProgram, TEREDOD_VERSION);
      return kExitOk;
    case CommandAction::Run: break;
  }
  return run_teredod(parsed.options);
}
