// Client event loop and state-change handling (miredo-behaviour.md 3, 5.3).
#include "daemon/client_worker.hpp"

#include <signal.h>

#include <array>

#include "daemon/log.hpp"
#include "os/net_text.hpp"

namespace teredo::daemon {

namespace {

enum Tag : std::uint64_t {
  kTagTun = 0, kTagUdp = 1, kTagTimer = 2, kTagSignal = 3, kTagNetlink = 4, kTagDebounce = 5, kTagControl = 6
};

constexpr std::chrono::seconds kStatsInterval{1};
/// Netlink events come in bursts (address, then routes): re-qualify once, shortly after.
constexpr std::chrono::milliseconds kNetworkChangeDebounce{200};
/// The RA's MTU option may announce up to 65535 (RFC 4861): size the TUN slots for it.
constexpr std::size_t kMaxClientMtu = 65535;

}  // namespace

os::OsResult<std::unique_ptr<ClientWorker>> ClientWorker::create(const core::ClientConfig& config, ClientIo io,
                                                                std::optional<StatsFile>& stats) {
  auto epoll = os::Epoll::open();
  if (!epoll) return epoll.error();
  for (auto [fd, tag] :
       {std::pair{io.tun.fd(), kTagTun}, std::pair{io.udp.fd(), kTagUdp}, std::pair{io.timer.fd(), kTagTimer},
        std::pair{io.signals.fd(), kTagSignal}, std::pair{io.monitor.fd(), kTagNetlink},
        std::pair{io.debounce.fd(), kTagDebounce}}) {
    if (auto st = epoll->add_readable(fd, tag); !st) return st.error();
  }
  return std::unique_ptr<ClientWorker>(new ClientWorker(config, std::move(io), std::move(*epoll), stats));
}

ClientWorker::ClientWorker(const core::ClientConfig& config, ClientIo io, os::Epoll epoll,
                           std::optional<StatsFile>& stats)
    : client_(config, random_, std::chrono::steady_clock::now()),
      io_(std::move(io)),
      epoll_(std::move(epoll)),
      stats_file_(stats),
      path_(client_, io_.tun, io_.udp, io_.icmp, io_.timer, kMaxClientMtu, io_.offloads) {
  path_.set_before_clear([this] { handle_state_changes(); });
}

bool ClientWorker::run() {
  path_.flush();  // the first RS, queued by the constructor
  path_.rearm_timer();
  auto next_stats = std::chrono::steady_clock::now() + kStatsInterval;
  std::array<std::uint64_t, 6> ready{};
  for (;;) {
    int timeout = -1;
    if (stats_file_) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(next_stats - std::chrono::steady_clock::now());
      timeout = static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 1000));
    }
    auto n = epoll_.wait(ready, timeout);
    if (!n) {
      log::error("client data path stopped: {}", n.error().message());
      return false;
    }
    for (std::size_t i = 0; i < *n; ++i) {
      switch (ready[i]) {
        case kTagTun: path_.on_tun_readable(); break;
        case kTagUdp: path_.on_udp_readable(); break;
        case kTagTimer: path_.on_timer(); break;
        case kTagNetlink: on_netlink(); break;
        case kTagDebounce: on_debounce(); break;
        case kTagControl: if (control_) control_->serve(client_, path_.drops(), io_.tun); break;
        case kTagSignal:
          if (!on_signals()) {
            if (stats_file_) stats_file_->write(format_client_stats(stats()));
            return true;
          }
          break;
        default: break;
      }
    }
    path_.rearm_timer();
    if (stats_file_ && std::chrono::steady_clock::now() >= next_stats) {
      stats_file_->write(format_client_stats(stats()));
      next_stats = std::chrono::steady_clock::now() + kStatsInterval;
    }
  }
}

bool ClientWorker::on_signals() {
  while (auto signo = io_.signals.read()) {
    if (*signo == SIGHUP) {
      // TODO(reload issue): re-read the configuration; for now, re-qualify at once.
      log::notice("Received SIGHUP: configuration reload is not implemented yet; re-qualifying");
      client_.on_network_change(std::chrono::steady_clock::now());
      path_.flush();
      continue;
    }
    log::notice("Exiting on signal {} ({})", *signo, os::signal_name(*signo));
    return false;
  }
  return true;
}

void ClientWorker::on_netlink() {
  if (!io_.monitor.drain(io_.ifindex) || debounce_armed_) return;
  if (auto st = io_.debounce.arm(std::chrono::steady_clock::now() + kNetworkChangeDebounce); !st) {
    path_.note_error("timerfd_settime", st.error().code.value());
    return;
  }
  debounce_armed_ = true;
}

void ClientWorker::on_debounce() {
  io_.debounce.acknowledge();
  if (auto st = io_.debounce.arm(std::chrono::steady_clock::time_point::max()); !st)
    path_.note_error("timerfd_settime", st.error().code.value());
  debounce_armed_ = false;
  log::info("Network configuration changed: re-qualifying with the server");
  client_.on_network_change(std::chrono::steady_clock::now());
  path_.flush();
}

void ClientWorker::handle_state_changes() {
  for (const core::TunnelStateChange& change : client_.state_changes()) {
    if (control_) control_->note_state(change.state);  // control channel: "state since"
    if (change.state == core::ClientState::Qualified && change.qualification) {
      const core::Qualification& q = *change.qualification;
      if (announced_ && announced_->address != q.address)
        log::notice("new address: {} replaces {}", os::to_string(q.address), os::to_string(announced_->address));
      log::notice("qualified: address {} (server {}, mapped {}), MTU {}", os::to_string(q.address),
                  os::to_string(q.server), os::to_string(q.mapped), q.mtu);
      if (announced_ && announced_->address == q.address && announced_->mtu == q.mtu) continue;
      announced_ = q;
      io_.helper.send_up(q.address, q.mtu);
    } else if (change.state == core::ClientState::Down) {
      log::notice("lost server {}: Teredo pseudo-tunnel down", os::to_string(client_.current_server()));
      if (!announced_) continue;
      announced_.reset();
      io_.helper.send_down();
    }
  }
}

// Control channel (issue 6): the control thread's requests wake this loop through port.fd().
void ClientWorker::attach_control(ControlPort& port) {
  if (auto st = epoll_.add_readable(port.fd(), kTagControl); !st) {
    log::warning("control channel not attached: {}", st.error().message());
    return;
  }
  control_ = &port;
}

}  // namespace teredo::daemon
