// SPDX-License-Identifier: GPL-2.0-or-later
// RFC 6081 3.2 and 5.3 around the client's core: the UPnP port mapping of the service port.
//  - At start (the client worker's set-up, as root): the state file's mappings of an earlier run
//    are deleted, the service port is mapped and the IGD's external address read, in the UPnP
//    child (upnp_child.hpp) started as soon as the socket is bound and awaited just before the
//    privilege drop (at most kIgdDeadline). The port is written to the state file before the
//    child starts, and removed again once the child reports that nothing is mapped.
//  - When a worker has ended (the supervisor, as root, DaemonIdentity::worker_ended): the
//    mappings the state file lists are deleted the same way.
// Every failure goes on without the extension (RFC 6081 5.3.3), logged and counted.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/defaults.hpp"
#include "control/upnp_status.hpp"
#include "os/privileges.hpp"
#include "proto/ipv4.hpp"
#include "roles/upnp_child.hpp"

namespace teredo::roles {

/// Where a client's UPnP state lives.
struct UpnpStatePaths {
  std::string dir;
  std::string file;
};
/// /var/lib/teredod and /var/lib/teredod/upnp-INTERFACE (config/defaults.hpp): one file per
/// client of the host, whose interface names differ.
UpnpStatePaths upnp_state_paths(const std::string& interface_name);

/// The client worker's UPnP step.
class ClientUpnp {
 public:
  /// `enabled`: ClientSettings::upnp; `off_reason` says why not ("UPnP no").
  ClientUpnp(bool enabled, std::string off_reason, UpnpStatePaths paths);

  /// Once the service socket is bound at `local` (its address toward the server): reads the
  /// state file, and when UPnP is on or the file lists mappings, writes the port ahead into it
  /// and starts the child. Call as root, single-threaded.
  void begin(proto::Endpoint local, const os::TargetUser& user, const std::string& chroot);
  /// Before the privilege drop: waits for the child (until kIgdDeadline after begin), updates
  /// the state file, logs and publishes the outcome (control/upnp_status.hpp). Returns the
  /// mapping for core::ClientConfig::upnp_mapping, {} without one.
  proto::Endpoint finish();

 private:
  void conclude(const std::optional<IgdReport>& report, std::chrono::milliseconds took);

  bool enabled_;
  UpnpStatePaths paths_;
  control::UpnpStatus status_;
  proto::Endpoint local_;
  std::vector<std::uint16_t> stale_;
  std::optional<IgdChild> child_;
  std::chrono::steady_clock::time_point started_{};
};

/// What the supervisor runs once a client worker has ended (DaemonRole::worker_ended): deletes
/// the mappings the state file lists, in a UPnP child awaited at most kIgdDeadline; the file is
/// emptied once the child has reported (whatever the IGD said), kept for the next start when it
/// has not.
void release_upnp_mappings(const os::TargetUser& user, const std::string& chroot,
                           const UpnpStatePaths& paths);

}  // namespace teredo::roles
