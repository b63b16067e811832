// SPDX-License-Identifier: GPL-2.0-or-later
// teredod's two worker processes: the relay (relay.cpp) and the client (client.cpp).
#pragma once

#include "config/teredod_settings.hpp"
#include "daemon/supervisor.hpp"

namespace teredo::roles {

/// The relay worker process's main: runs until SIGINT/SIGTERM/SIGQUIT; returns its exit status.
int run_relay_worker(const config::RelaySettings& settings, daemon::WorkerContext& ctx);

/// The client worker process's main: runs until SIGINT/SIGTERM/SIGQUIT; returns its exit status.
/// The privileged helper's final down and destroy happen before it returns.
int run_client_worker(const config::ClientSettings& settings, daemon::WorkerContext& ctx);

}  // namespace teredo::roles
