// teredod in client mode (RelayType client/autoclient): set-up as root, the privileged helper,
// the privilege drop, the client data path, and shutdown (miredo-behaviour.md 1.1, 2.4, 3, 4).
#pragma once

#include <optional>

#include "daemon/client_settings.hpp"
#include "daemon/command_line.hpp"

namespace teredo::daemon {

/// Runs the client until SIGINT/SIGTERM/SIGQUIT; returns the process exit code. Called by
/// run_teredod once the settings are loaded (and their diagnostics logged). Without -f the
/// calling process becomes the launcher and exits inside this call.
int run_teredod_client(const CommandLine& options, ClientSettings& settings);

}  // namespace teredo::daemon
