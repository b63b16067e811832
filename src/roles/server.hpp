// teredod-server's driver: a supervisor (configuration, pidfile, reload) and a worker process
// (sockets as root, privilege drop, seccomp, one data-path thread per CPU).
#pragma once

#include "config/defaults.hpp"
#include "daemon/command_line.hpp"

namespace teredo::roles {

/// Runs the server until SIGINT/SIGTERM/SIGQUIT. Returns the process exit code (kExitOk, or
/// kExitSetupFailure with the reason logged). Without -f the calling process becomes the
/// launcher and exits inside this call with the daemon's set-up status.
int run_server(const daemon::CommandLine& options);

}  // namespace teredo::roles
