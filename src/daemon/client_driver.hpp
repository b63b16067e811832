// teredod in client mode (RelayType client/autoclient): the worker process's set-up as root,
// the privileged helper, the privilege drop, the client data path, and shutdown
// (miredo-behaviour.md 1.1, 2.4, 3, 4).
#pragma once

#include "daemon/client_settings.hpp"
#include "daemon/supervisor.hpp"

namespace teredo::daemon {

/// The client's effective settings, for reload comparisons.
EffectiveSettings describe_client_settings(const ClientSettings& settings);

/// The client worker process's main, run by the supervisor: runs until SIGINT/SIGTERM/SIGQUIT;
/// returns the worker's exit status. The helper's down + destroy happen before it returns.
int run_teredod_client_worker(const ClientSettings& settings, WorkerContext& ctx);

}  // namespace teredo::daemon
