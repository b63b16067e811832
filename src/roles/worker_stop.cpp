// SPDX-License-Identifier: GPL-2.0-or-later
// The stop signals and the stop eventfd of a worker process (worker_stop.hpp).
#include "roles/worker_stop.hpp"

#include "daemon/log.hpp"

namespace teredo::roles {

namespace log = daemon::log;

std::optional<WorkerStop> open_worker_stop() {
  auto signals = os::SignalFd::open(os::SignalRole::Worker);
  if (!signals) {
    log::alert("Cannot set up signals: {}", signals.error().message());
    return std::nullopt;
  }
  auto stop = os::EventFd::open();
  if (!stop) {
    log::alert("Cannot create eventfd: {}", stop.error().message());
    return std::nullopt;
  }
  return WorkerStop{std::move(*signals), std::move(*stop)};
}

}  // namespace teredo::roles
