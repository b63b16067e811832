// SPDX-License-Identifier: GPL-2.0-or-later
// The published UPnP status (upnp_status.hpp).
#include "control/upnp_status.hpp"

#include <mutex>
#include <utility>

namespace teredo::control {

namespace {

// Written by the set-up, read by the control thread: a lock, taken once per request.
std::mutex& status_mutex() {
  static std::mutex m;
  return m;
}

std::optional<UpnpStatus>& status_slot() {
  static std::optional<UpnpStatus> s;
  return s;
}

}  // namespace

void publish_upnp_status(std::optional<UpnpStatus> status) {
  std::lock_guard lock(status_mutex());
  status_slot() = std::move(status);
}

std::optional<UpnpStatus> published_upnp_status() {
  std::lock_guard lock(status_mutex());
  return status_slot();
}

}  // namespace teredo::control
