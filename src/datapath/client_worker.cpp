// Client event loop and state-change handling (miredo-behaviour.md 3, 5.3).
#include "datapath/client_worker.hpp"


#include "daemon/log.hpp"
#include "os/net_text.hpp"

namespace teredo::datapath {

namespace log = daemon::log;

namespace {

enum ClientTag : std::uint64_t { kTagNetlink = kTagWorker, kTagDebounce };

/// Netlink events come in bursts (address, then routes): re-qualify once, shortly after.
constexpr std::chrono::milliseconds kNetworkChangeDebounce{200};
/// The RA's MTU option may announce up to 65535 (RFC 4861): size the TUN slots for it.
constexpr std::size_t kMaxClientMtu = 65535;

}  // namespace

os::OsResult<std::unique_ptr<ClientWorker>> ClientWorker::create(const core::ClientConfig& config, ClientIo io,
                                                                std::optional<StatsFile>& stats, Shards* shards) {
  auto epoll = shards ? open_worker_epoll(io, io.signals.fd(),
                                          {{io.monitor.fd(), kTagNetlink},
                                           {io.debounce.fd(), kTagDebounce},
                                           {shards->wake(0).fd(), kTagHandoff}})
                      : open_worker_epoll(io, io.signals.fd(),
                                          {{io.monitor.fd(), kTagNetlink}, {io.debounce.fd(), kTagDebounce}});
  if (!epoll) return epoll.error();
  std::unique_ptr<ClientWorker> w(new ClientWorker(config, std::move(io), std::move(*epoll), stats));
  if (shards) w->path_.set_shards(*shards, 0, true);
  return w;
}

ClientWorker::ClientWorker(const core::ClientConfig& config, ClientIo io, os::Epoll epoll,
                           std::optional<StatsFile>& stats)
    : client_(config, random_, std::chrono::steady_clock::now()),
      io_(std::move(io)),
      loop_(std::move(epoll), stats),
      path_(client_, io_.tun, io_.udp, io_.icmp, io_.timer, kMaxClientMtu, io_.offloads) {
  path_.set_before_clear([this] { handle_state_changes(); });
  stats_text_ = [this] { return format_client_stats(this->stats()); };
}

bool ClientWorker::run() {
  path_.flush();  // the first RS, queued by the constructor
  return loop_.run<6>(
      "client", client_, path_, io_.tun,
      [this](std::uint64_t tag) {
        switch (tag) {
          case kTagNetlink: on_netlink(); break;
          case kTagDebounce: on_debounce(); break;
          case kTagSignal: return on_signals();
          default: break;
        }
        return true;
      },
      [] {}, [this] { return stats_text_(); });
}

bool ClientWorker::on_signals() {
  while (auto signo = io_.signals.read()) {
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
  if (path_.sharded() && !client_.state_changes().empty()) {
    const core::ClientStateRecord r = client_.state_record();
    path_.broadcast_state(proto::ByteView{reinterpret_cast<const std::uint8_t*>(&r), sizeof r});
  }
  for (const core::TunnelStateChange& change : client_.state_changes()) {
    if (control::ControlPort* control = loop_.control()) control->note_state(change.state);  // control channel: "state since"
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

}  // namespace teredo::datapath
