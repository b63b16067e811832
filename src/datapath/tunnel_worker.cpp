// SPDX-License-Identifier: GPL-2.0-or-later
// The relay and client workers (tunnel_worker.hpp): the event loop, the client's qualifying
// duties, the control port's snapshots.
#include "datapath/tunnel_worker.hpp"

#include <array>
#include <chrono>

#include "daemon/log.hpp"
#include "os/memory.hpp"
#include "os/net_text.hpp"
#include "os/process.hpp"

namespace teredo::datapath {

namespace log = daemon::log;

namespace {

/// Netlink events come in bursts (address, then routes): re-qualify once, shortly after.
constexpr std::chrono::milliseconds kNetworkChangeDebounce{200};
/// The RA's MTU option may announce up to 65535 (RFC 4861): size a client's TUN slots for it.
constexpr std::size_t kMaxClientMtu = 65535;
/// Huge pages for the peer table once it holds this many peers: lookups at millions of peers miss
/// the TLB far less, but a huge page is 2 MiB of resident memory from the first peer on.
constexpr std::size_t kHugePagePeers = 4096;
/// A discovery bubble is 40 bytes: anything longer than this is not one (and is dropped truncated).
constexpr std::size_t kDiscoverySlot = 256;

template <class Core>
constexpr bool kIsClient = std::is_same_v<Core, core::Client>;

}  // namespace

template <class Core>
os::OsResult<std::unique_ptr<TunnelWorker<Core>>> TunnelWorker<Core>::create(
    const Config& config, WorkerIo io, const WorkerPlace& place, const config::DataPathSettings& settings,
    ClientParts client) {
  auto epoll = os::Epoll::open();
  if (!epoll) return epoll.error();
  const int stop_fd = place.signals != nullptr ? place.signals->fd() : place.stop_fd;
  for (auto [fd, tag] :
       {std::pair{io.tun.fd(), kTun}, std::pair{io.udp.fd(), kUdp}, std::pair{io.timer.fd(), kTimer},
        std::pair{stop_fd, kStop}, std::pair{place.shards->wake(place.index).fd(), kHandoff}}) {
    if (auto st = epoll->add_readable(fd, tag); !st) return st.error();
  }
  if (client.qualifier) {
    for (auto [fd, tag] : {std::pair{client.qualifier->monitor.fd(), kNetwork},
                           std::pair{client.qualifier->debounce.fd(), kDebounce}}) {
      if (auto st = epoll->add_readable(fd, tag); !st) return st.error();
    }
    if (client.qualifier->discovery) {
      if (auto st = epoll->add_readable(client.qualifier->discovery->fd(), kDiscovery); !st)
        return st.error();
    }
  }
  return std::unique_ptr<TunnelWorker>(
      new TunnelWorker(config, std::move(io), place, settings, std::move(client), std::move(*epoll)));
}

template <class Core>
typename TunnelWorker<Core>::Config TunnelWorker<Core>::adjusted(Config config, unsigned index) {
  if constexpr (kIsClient<Core>) config.follower = index != 0;
  return config;
}

template <class Core>
std::size_t TunnelWorker<Core>::max_mtu(const Config& config) {
  if constexpr (kIsClient<Core>)
    return kMaxClientMtu;
  else
    return config.mtu;
}

template <class Core>
TunnelWorker<Core>::TunnelWorker(const Config& config, WorkerIo io, const WorkerPlace& place,
                                 const config::DataPathSettings& settings, ClientParts client,
                                 os::Epoll epoll)
    : core_([&] {
        if constexpr (kIsClient<Core>)
          return core::Client(adjusted(config, place.index), random_, std::chrono::steady_clock::now());
        else
          return core::Relay(config, std::chrono::steady_clock::now());
      }()),
      io_(std::move(io)),
      place_(place),
      client_(std::move(client)),
      epoll_(std::move(epoll)),
      path_(core_, PacketDevices{io_.tun, io_.udp, io_.icmp}, io_.timer, max_mtu(config), settings,
            *place.shards, place.index, kIsClient<Core>) {
  if (client_.qualifier) path_.set_state_listener(this);
  if (client_.qualifier && client_.qualifier->discovery)
    discovery_batch_ = std::make_unique<os::RecvBatch>(kDiscoverySlot);
  if constexpr (kIsClient<Core>) {
    // RFC 6081 3.3, 3.4: on the service socket's address, as the NAT must see the same host.
    random_sockets_.emplace(epoll_, io_.udp.local().addr, kRandomPort);
    path_.set_random_port_sockets(&*random_sockets_);
  }
}

template <class Core>
void TunnelWorker<Core>::attach_control(control::ControlPort& port) {
  if (auto st = epoll_.add_readable(port.fd(), kControl); !st) {
    log::warning("control channel not attached: {}", st.error().message());
    return;
  }
  control_ = &port;
}

template <class Core>
bool TunnelWorker<Core>::run() {
  path_.flush();  // the client's first RS, queued by its constructor
  path_.rearm_timer();
  std::array<std::uint64_t, 8> ready{};
  for (;;) {
    place_.heartbeat.waiting();
    auto n = epoll_.wait(ready, walk_ ? 0 : -1);  // a walk in progress goes on between batches
    place_.heartbeat.working();
    if (!n) {
      log::error("{} data path stopped: {}", kIsClient<Core> ? "client" : "relay", n.error().message());
      return false;
    }
    for (std::size_t i = 0; i < *n; ++i) {
      switch (ready[i]) {
        case kTun:
          path_.on_tun_readable();
          break;
        case kUdp:
          path_.on_udp_readable();
          break;
        case kTimer:
          path_.on_timer();
          break;
        case kHandoff:
          on_handoff();
          break;
        case kControl:
          on_control();
          break;
        case kNetwork:
          on_network_change_event();
          break;
        case kDebounce:
          on_debounce();
          break;
        case kDiscovery:
          path_.on_discovery_readable(*client_.qualifier->discovery, *discovery_batch_);
          break;
        case kStop:
          if (should_stop()) return true;
          break;
        default:
          if (random_sockets_) {
            if (auto slot = random_sockets_->slot_of(ready[i])) path_.on_random_port_readable(*slot);
          }
          break;
      }
    }
    path_.rearm_timer();
    maybe_advise_huge_pages();
    if (walk_) continue_walk();
  }
}

template <class Core>
void TunnelWorker<Core>::on_control() {
  auto request = control_->take();
  if (!request) return;
  const auto& [id, query] = *request;
  if (!query.want_peers) {
    control_->answer(id, snapshot(query));
    return;
  }
  walk_.emplace(Walk{id, control::PeerWalk(query)});  // replaces a walk whose requester gave up
  continue_walk();
}

template <class Core>
void TunnelWorker<Core>::continue_walk() {
  // 128 slots (8 KiB of table) take a few microseconds, up to some 100 while a large selection
  // fills (a heap insertion per peer); the clock is read between them.
  constexpr std::size_t kSlotsPerStep = 128;
  constexpr std::chrono::microseconds kWalkSliceTime{200};
  const auto start = std::chrono::steady_clock::now();
  const auto cpu_start = os::thread_cpu_time();
  auto now = start;
  bool done = false;
  while (!done && now - start < kWalkSliceTime) {
    done = control::walk_peers(core_, walk_->walk, now, kSlotsPerStep);
    now = std::chrono::steady_clock::now();
  }
  longest_walk_slice_ = std::max(longest_walk_slice_, std::chrono::nanoseconds(now - start));
  longest_walk_slice_cpu_ = std::max(longest_walk_slice_cpu_, os::thread_cpu_time() - cpu_start);
  if (!done) return;
  control::PeerQuery status = walk_->walk.query;
  status.want_peers = false;
  control::ControlSnapshot s = snapshot(status);
  s.peers = walk_->walk.selection.take();
  const std::uint64_t id = walk_->id;
  walk_.reset();
  control_->answer(id, std::move(s));
}

template <class Core>
bool TunnelWorker<Core>::should_stop() {
  if (place_.signals == nullptr) return true;  // the stop eventfd: worker 0 is stopping
  while (auto signo = place_.signals->read()) {
    log::notice("Exiting on signal {} ({})", *signo, os::signal_name(*signo));
    return true;
  }
  return false;
}

template <class Core>
void TunnelWorker<Core>::on_handoff() {
  if constexpr (kIsClient<Core>) {
    // A follower takes the first worker's latest state before the packets passed with it.
    if (client_.board != nullptr && !client_.qualifier) {
      if (auto change = client_.board->take_newer(state_seen_)) core_.adopt(*change);
    }
  }
  path_.on_handoff();
}

template <class Core>
void TunnelWorker<Core>::on_network_change_event() {
  auto& q = *client_.qualifier;
  if (!q.monitor.drain(q.ifindex) || debounce_armed_) return;
  if (auto st = q.debounce.arm(std::chrono::steady_clock::now() + kNetworkChangeDebounce); !st) {
    path_.errors().note("timerfd_settime", st.error().code.value());
    return;
  }
  debounce_armed_ = true;
}

template <class Core>
void TunnelWorker<Core>::on_debounce() {
  auto& q = *client_.qualifier;
  q.debounce.acknowledge();
  if (auto st = q.debounce.arm(std::chrono::steady_clock::time_point::max()); !st)
    path_.errors().note("timerfd_settime", st.error().code.value());
  debounce_armed_ = false;
  if constexpr (kIsClient<Core>) {
    log::info("Network configuration changed: re-qualifying with the server");
    core_.on_network_change(std::chrono::steady_clock::now());
    path_.flush();
  }
}

template <class Core>
void TunnelWorker<Core>::on_state_change(const core::StateChange& change) {
  if constexpr (kIsClient<Core>) {
    if (client_.board != nullptr && path_.handoff().active()) {
      client_.board->post(change);
      path_.handoff().wake_others();
    }
    if (change.nat_only) return;  // the NAT's kind, for the followers: nothing to configure
    state_since_.note(change.state, std::chrono::steady_clock::now());
    InterfaceControl& interface = client_.qualifier->interface;
    if (change.state == core::ClientState::Qualified && change.qualification) {
      const core::Qualification& q = *change.qualification;
      if (announced_ && announced_->address != q.address)
        log::notice("new address: {} replaces {}", os::to_string(q.address),
                    os::to_string(announced_->address));
      log::notice("qualified: address {} (server {}, mapped {}), MTU {}", os::to_string(q.address),
                  os::to_string(q.server), os::to_string(q.mapped), q.mtu);
      log::status(fmt::format("qualified as {} (server {}, mapped {})", os::to_string(q.address),
                              os::to_string(q.server), os::to_string(q.mapped)));
      if (core_.key_renewal_requested())
        log::warning(
            "the server asks for a new key for client identifier {} (RFC 4380 5.2.2): update ClientSecret",
            core_.config().key ? core_.config().key->id : std::string("?"));
      if (announced_ && announced_->address == q.address && announced_->mtu == q.mtu) return;
      announced_ = q;
      interface.send_up(q.address, q.mtu);
    } else if (change.state == core::ClientState::Down) {
      log::notice("lost server {}: Teredo pseudo-tunnel down", os::to_string(core_.current_server()));
      log::status(fmt::format("no Teredo address: lost server {}, qualifying again",
                              os::to_string(core_.current_server())));
      if (!announced_) return;
      announced_.reset();
      interface.send_down();
    }
  }
}

template <class Core>
void TunnelWorker<Core>::maybe_advise_huge_pages() {
  if (huge_pages_advised_ || core_.peers().size() < kHugePagePeers) return;
  huge_pages_advised_ = true;
  os::advise_huge_pages(core_.peers().storage(), core_.peers().memory_bytes());
}

template <class Core>
control::ControlSnapshot TunnelWorker<Core>::snapshot(const control::PeerQuery& q) {
  const core::TimePoint now = std::chrono::steady_clock::now();
  control::ControlSnapshot s = [&] {
    if constexpr (kIsClient<Core>)
      return control::snapshot_of(core_, q, now, state_since_);
    else
      return control::snapshot_of(core_, q, now);
  }();
  control::append_counters(s.counters, path_.handoff().counters());
  s.drops += path_.drops();
  s.longest_walk_slice = longest_walk_slice_;
  s.longest_walk_slice_cpu = longest_walk_slice_cpu_;
  const os::TunOffloads& o = path_.io().offloads().tun;
  if (o.csum) s.offloads.emplace_back("csum");
  if (o.tso6) s.offloads.emplace_back("tso6");
  if (o.uso6) s.offloads.emplace_back("uso6");
  return s;
}

template class TunnelWorker<core::Relay>;
template class TunnelWorker<core::Client>;

}  // namespace teredo::datapath
