// teredod in client mode (RelayType client/autoclient): the worker process's set-up as root,
// the privileged helper, the privilege drop, the client data path, and shutdown
// (miredo-behaviour.md 1.1, 2.4, 3, 4).
#pragma once

#include "config/client_settings.hpp"
#include "config/client_settings.hpp"
#include "daemon/supervisor.hpp"

namespace teredo::roles {

/// The client's effective settings, for reload comparisons.
daemon::EffectiveSettings describe_client_settings(const config::ClientSettings& settings);

/// The client worker process's main, run by the supervisor: runs until SIGINT/SIGTERM/SIGQUIT;
/// returns the worker's exit status. The helper's down + destroy happen before it returns.
int run_teredod_client_worker(const config::ClientSettings& settings, daemon::WorkerContext& ctx);

}  // namespace teredo::roles
