// teredod-server's driver: set-up as root (config, pidfile, sockets), daemonisation, privilege
// drop, one worker thread per CPU, signal handling and shutdown.
#pragma once

#include "daemon/command_line.hpp"

namespace teredo::daemon {

inline constexpr const char* kServerProgram = "teredod-server";
inline constexpr const char* kDefaultServerConfig = "/etc/teredod/teredod-server.conf";
inline constexpr const char* kDefaultServerPidfile = "/run/teredod-server.pid";
inline constexpr const char* kDefaultServerUser = "nobody";

/// Runs the server until SIGINT/SIGTERM/SIGQUIT. Returns the process exit code (kExitOk, or
/// kExitSetupFailure with the reason logged). Without -f the calling process becomes the
/// launcher and exits inside this call with the daemon's set-up status.
int run_server(const CommandLine& options);

}  // namespace teredo::daemon
