// teredod's driver: set-up as root (config, pidfile, tunnel interface, sockets, secret),
// privilege drop, daemonisation handshake, the relay data path, and shutdown. Client mode is
// dispatched to client_driver.hpp.
#pragma once

#include "daemon/command_line.hpp"

namespace teredo::daemon {

inline constexpr const char* kTeredodProgram = "teredod";
inline constexpr const char* kDefaultTeredodConfig = "/etc/teredod/teredod.conf";
inline constexpr const char* kDefaultTeredodPidfile = "/run/teredod.pid";
inline constexpr const char* kDefaultTeredodUser = "nobody";

/// Runs teredod until SIGINT/SIGTERM/SIGQUIT. Returns the process exit code (kExitOk, or
/// kExitSetupFailure with the reason logged). Without -f the calling process becomes the
/// launcher and exits inside this call with the daemon's set-up status.
int run_teredod(const CommandLine& options);

}  // namespace teredo::daemon
