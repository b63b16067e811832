// Set-up steps shared by teredod's relay and client workers (relay_driver.cpp, client_driver.cpp):
// the sockets, the secret, creating the worker and starting the control channel around seccomp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>
#include <new>
#include <optional>

#include "control/server.hpp"
#include "datapath/handoff.hpp"
#include "daemon/log.hpp"
#include "daemon/supervisor.hpp"
#include "os/raw_icmpv6_socket.hpp"
#include "os/timer_fd.hpp"
#include "os/tun_device.hpp"
#include "os/udp_socket.hpp"
#include "proto/bytes.hpp"
#include "proto/ipv4.hpp"

namespace teredo::roles {

namespace log = daemon::log;

/// What the data path needs besides the TUN device, opened while still root.
struct TunnelSockets {
  os::UdpSocket udp;
  os::RawIcmpv6Socket icmp;
  os::TimerFd timer;  // the core's next deadline
};

/// Opens the UDP socket on `bind` (SO_REUSEPORT with `reuse_port`: several workers), the raw
/// ICMPv6 socket and the timer; nullopt (logged) on failure.
std::optional<TunnelSockets> open_tunnel_sockets(const proto::Endpoint& bind, bool reuse_port = false);

/// Fills the core's secret from the kernel; false (logged "Cannot draw the WHAT secret") on failure.
bool draw_secret(proto::MutableBytes secret, const char* what);

/// Calls `create` (Worker::create: an OsResult, or std::bad_alloc for the peer table). Logs
/// "Cannot create the WHAT data path" or "Cannot allocate the peer table"; nullptr then.
template <class Worker, class Create>
std::unique_ptr<Worker> create_tunnel_worker(const char* what, std::size_t max_peers, Create create) {
  try {
    auto w = create();
    if (!w) {
      log::alert("Cannot create the {} data path: {}", what, w.error().message());
      return nullptr;
    }
    return std::move(*w);
  } catch (const std::bad_alloc&) {
    log::alert("Cannot allocate the peer table for MaxPeers {}", max_peers);
    return nullptr;
  }
}

/// A share of a table-wide limit for one of `n` workers (rounded up; at least `floor`; all of it
/// for one worker).
inline std::size_t worker_share(std::size_t total, unsigned n, std::size_t floor) {
  return n <= 1 ? total : std::max<std::size_t>(floor, (total + n - 1) / n);
}

/// Several workers (`n` > 1): the rings and wake-up descriptors between them into `out`; false
/// (logged) on failure. One worker: `out` stays null.
bool create_shards(unsigned n, std::unique_ptr<datapath::Shards>& out);

/// The TUN queues of workers 1..n-1, attached to `tun` (multi-queue when n > 1); nullopt (logged)
/// on failure.
std::optional<std::vector<os::TunDevice>> open_worker_queues(const os::TunDevice& tun, unsigned n);

/// One set of sockets per worker. Several workers share `bind` (SO_REUSEPORT): the port is claimed
/// first, so one another process holds is an error, and port 0 becomes one port for all. Empty
/// (logged) on failure.
std::vector<TunnelSockets> open_worker_sockets(const proto::Endpoint& bind, unsigned n);

/// Several workers: attaches the kernel steering programs (os/steering.hpp) to the TUN device
/// and to the reuseport group of `first_udp`, and logs what is in use. `auth_to_first` (client):
/// datagrams with an authentication header go to worker 0. Refusals are notices (misdirected
/// packets are then handed over); TEREDOD_STEERING=off (test hook) attaches nothing.
void attach_steering(os::TunDevice& tun, os::UdpSocket& first_udp, unsigned workers, bool auth_to_first);

/// Several workers: one control port per worker (`attach[i]` attaches port i to worker i; the first
/// is control->port()), one merged answer for teredoctl and MetricsListen (merge_snapshots), then
/// seccomp (ctx.confine), then the control thread. `ports` keeps the extra ports alive. False:
/// set-up failure (logged).
bool confine_with_merged_control(std::unique_ptr<control::ControlServer>& control,
                                 std::vector<std::unique_ptr<control::ControlPort>>& ports,
                                 const std::vector<std::function<void(control::ControlPort&)>>& attach, daemon::WorkerContext& ctx);

/// Attaches the control channel (issue 6) to `worker` and starts its metrics listener, installs
/// seccomp (ctx.confine), then starts the control thread. false: set-up failure (logged).
template <class Worker>
bool confine_with_control(std::unique_ptr<control::ControlServer>& control, Worker& worker, daemon::WorkerContext& ctx) {
  if (control) worker.attach_control(control->port());     // control channel (issue 6)
  if (control && !control->start_metrics()) return false;  // MetricsListen: before seccomp
  if (!ctx.confine()) return false;
  if (control && !control->start()) return false;  // control thread: after seccomp
  return true;
}

}  // namespace teredo::roles
