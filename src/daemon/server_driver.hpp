// teredod-server's driver: a supervisor (configuration, pidfile, reload) and a worker process
// (sockets as root, privilege drop, seccomp, one data-path thread per CPU).
#pragma once

#include "daemon/command_line.hpp"

namespace teredo::daemon {

inline constexpr const char* kServerProgram = "teredod-server";
inline constexpr const char* kDefaultServerConfig = "/etc/teredod/teredod-server.conf";
inline constexpr const char* kDefaultServerPidfile = "/run/teredod-server.pid";
inline constexpr const char* kDefaultServerUser = "nobody";
inline constexpr const char* kDefaultServerChroot = "/run/teredod-server/empty";

/// Runs the server until SIGINT/SIGTERM/SIGQUIT. Returns the process exit code (kExitOk, or
/// kExitSetupFailure with the reason logged). Without -f the calling process becomes the
/// launcher and exits inside this call with the daemon's set-up status.
int run_server(const CommandLine& options);

}  // namespace teredo::daemon
