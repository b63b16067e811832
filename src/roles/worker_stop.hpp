// SPDX-License-Identifier: GPL-2.0-or-later
// What ends a worker process: the stop signals (SIGINT, SIGTERM, SIGQUIT), which the thread that
// waits for them reads, and the eventfd that thread then signals to stop the others. Opened first
// by the tunnel set-up (tunnel_setup.hpp) and by teredod-server's worker.
#pragma once

#include <optional>

#include "os/event_fd.hpp"
#include "os/signals.hpp"

namespace teredo::roles {

struct WorkerStop {
  os::SignalFd signals;  // SignalRole::Worker: blocked, read from the descriptor
  os::EventFd stop;      // readable once the other threads must stop
};

/// nullopt (logged) when either cannot be created.
std::optional<WorkerStop> open_worker_stop();

}  // namespace teredo::roles
