// SPDX-License-Identifier: GPL-2.0-or-later
// The short-lived process that talks to a UPnP IGD (RFC 6081 5.3), so that no privileged process
// parses the IGD's answers: forked by root (the client worker's set-up, or the supervisor once a
// worker has ended), it loads libminiupnpc, drops to the daemon's user in its chroot with no
// capabilities and a seccomp filter (IPv4 sockets allowed), then discovers the IGD (SSDP, 1 s),
// deletes the listed mappings, maps the service port, asks for the external address, and writes
// one fixed-size report on a pipe (upnp_report.hpp). The parent waits at most kIgdDeadline, then
// kills it: a network without an IGD costs one discovery wait, never a failure.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "os/child.hpp"
#include "os/fd.hpp"
#include "os/os_result.hpp"
#include "os/privileges.hpp"
#include "proto/ipv4.hpp"
#include "roles/upnp_report.hpp"

namespace teredo::roles {

/// How long SSDP discovery waits for answers.
inline constexpr std::chrono::milliseconds kIgdDiscoveryWait{1000};
/// How long the parent waits for the report before it kills the child.
inline constexpr std::chrono::milliseconds kIgdDeadline{3000};
/// NewPortMappingDescription (RFC 6081 5.3.3).
inline constexpr const char* kUpnpDescription = "TEREDO";

/// What the child is asked to do.
struct IgdRequest {
  std::vector<std::uint16_t> stale;  // mappings to delete first (an earlier run's)
  std::uint16_t port = 0;            // the service port to map (external = internal); 0: delete only
  proto::Ipv4Addr client;            // NewInternalClient, and the interface SSDP goes out of (0: any)
};

/// The parent's side of one child.
class IgdChild {
 public:
  /// Forks the child; call as root and single-threaded.
  static os::OsResult<IgdChild> start(const IgdRequest& request, const os::TargetUser& user,
                                      const std::string& chroot);

  IgdChild(IgdChild&& o) noexcept;
  IgdChild& operator=(IgdChild&&) = delete;
  IgdChild(const IgdChild&) = delete;
  ~IgdChild();

  /// Waits for the report until `deadline`, then kills the child if it still runs, and reaps it.
  /// nullopt (logged): no report in time, or not a valid one.
  std::optional<IgdReport> finish(std::chrono::steady_clock::time_point deadline);

 private:
  IgdChild(pid_t pid, os::Fd channel, IgdRequest request)
      : pid_(pid), channel_(std::move(channel)), request_(std::move(request)) {}
  void kill_and_reap();

  pid_t pid_ = -1;
  os::Fd channel_;
  IgdRequest request_;
};

/// The child's main; returns its exit status.
int run_igd_child(const os::Fd& channel, const IgdRequest& request, const os::TargetUser& user,
                  const std::string& chroot);

}  // namespace teredo::roles
