// teredod's driver: the supervisor role (configuration, reload) and the relay worker process
// (tunnel interface, sockets, secret as root; privilege drop; seccomp; the relay data path).
// Client mode's worker is in client_driver.hpp.
#pragma once

#include "config/defaults.hpp"
#include "daemon/command_line.hpp"

namespace teredo::roles {

/// Runs teredod until SIGINT/SIGTERM/SIGQUIT. Returns the process exit code (kExitOk, or
/// kExitSetupFailure with the reason logged). Without -f the calling process becomes the
/// launcher and exits inside this call with the daemon's set-up status.
int run_teredod(const daemon::CommandLine& options);

}  // namespace teredo::roles
