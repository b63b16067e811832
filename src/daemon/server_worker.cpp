// Worker event loop: epoll -> recvmmsg (64) -> core::Server::on_datagram -> sendmmsg per socket.
#include "daemon/server_worker.hpp"

#include <cstring>
#include <type_traits>
#include <variant>

#include "daemon/log.hpp"

namespace teredo::daemon {

namespace {

enum Tag : std::uint64_t { kTagPrimary = 0, kTagSecondary = 1, kTagShutdown = 2 };

// At most one send/receive error line per worker per interval, so a flood cannot fill the log.
constexpr std::chrono::seconds kErrorLogInterval{30};

}  // namespace

os::OsResult<std::unique_ptr<ServerWorker>> ServerWorker::create(const core::ServerConfig& config,
                                                                 WorkerSockets sockets, int shutdown_fd) {
  auto epoll = os::Epoll::open();
  if (!epoll) return epoll.error();
  for (auto [fd, tag] : {std::pair{sockets.primary.fd(), kTagPrimary}, std::pair{sockets.secondary.fd(), kTagSecondary},
                         std::pair{shutdown_fd, kTagShutdown}}) {
    if (auto st = epoll->add_readable(fd, tag); !st) return st.error();
  }
  return std::unique_ptr<ServerWorker>(new ServerWorker(config, std::move(sockets), std::move(*epoll)));
}

ServerWorker::ServerWorker(const core::ServerConfig& config, WorkerSockets sockets, os::Epoll epoll)
    : server_(config), sockets_(std::move(sockets)), epoll_(std::move(epoll)) {}

void ServerWorker::run() {
  std::array<std::uint64_t, 4> ready{};
  for (;;) {
    auto n = epoll_.wait(ready, -1);
    if (!n) {
      log::error("worker stopped: {}", n.error().message());
      return;
    }
    for (std::size_t i = 0; i < *n; ++i) {
      switch (ready[i]) {
        case kTagShutdown: return;
        case kTagPrimary: process_batch(core::ServerSocket::Primary); break;
        case kTagSecondary: process_batch(core::ServerSocket::Secondary); break;
        default: break;
      }
    }
  }
}

void ServerWorker::process_batch(core::ServerSocket on) {
  os::UdpSocket& socket = on == core::ServerSocket::Primary ? sockets_.primary : sockets_.secondary;
  auto received = socket.recv_batch(recv_);
  if (!received) {
    note_error("recvmmsg", received.error().code.value());
    return;
  }
  if (*received == 0) return;

  for (std::size_t i = 0; i < *received; ++i) {
    auto action = server_.on_datagram(on, recv_.source(i), recv_.payload(i), out_[i]);
    if (!action) continue;  // counted by the core
    std::visit(
        [&](const auto& a) {
          using T = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<T, core::ServerSendUdp>) {
            os::SendBatch& batch = a.from == core::ServerSocket::Primary ? send_primary_ : send_secondary_;
            // At most kMaxBatch actions per received batch, so the send batch cannot be full.
            if (!batch.add(a.to, a.header, a.body)) driver_drops_.add(proto::Drop::SendFailed);
          } else {
            if (auto st = sockets_.raw.send(a.packet); !st) {
              driver_drops_.add(proto::Drop::SendFailed);
              note_error("raw IPv6 send", st.error().code.value());
            }
          }
        },
        *action);
  }

  // The bodies view recv_ and the headers view out_: send before the next receive.
  for (auto [sock, batch] : {std::pair{&sockets_.primary, &send_primary_}, std::pair{&sockets_.secondary, &send_secondary_}}) {
    if (batch->size() == 0) continue;
    const os::SendReport r = sock->send_batch(*batch);
    for (std::size_t k = 0; k < r.failed; ++k) driver_drops_.add(proto::Drop::SendFailed);
    if (r.failed != 0) note_error("sendmmsg", r.first_errno);
  }
  publish();
}

void ServerWorker::publish() {
  std::lock_guard lock(published_mutex_);
  published_.counters = server_.counters();
  published_.drops = server_.drops();
  published_.drops += driver_drops_;
}

ServerStats ServerWorker::snapshot() const {
  std::lock_guard lock(published_mutex_);
  return published_;
}

void ServerWorker::note_error(const char* what, int err) {
  const auto now = std::chrono::steady_clock::now();
  if (last_error_log_.time_since_epoch().count() != 0 && now - last_error_log_ < kErrorLogInterval) return;
  last_error_log_ = now;
  log::warning("{} failed: {} (further errors suppressed for {} s)", what, std::strerror(err),
               kErrorLogInterval.count());
}

}  // namespace teredo::daemon
