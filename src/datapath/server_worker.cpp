// Worker event loop: poll -> recvmmsg (64) -> core::Server::on_datagram -> sendmmsg per socket.
#include "datapath/server_worker.hpp"

#include <poll.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <type_traits>
#include <variant>

#include "daemon/log.hpp"

namespace teredo::datapath {

namespace log = daemon::log;

namespace {

// At most one send/receive error line per worker per interval, so a flood cannot fill the log.
constexpr std::chrono::seconds kErrorLogInterval{30};

}  // namespace

os::OsResult<std::unique_ptr<ServerWorker>> ServerWorker::create(const core::ServerConfig& config,
                                                                 WorkerSockets sockets, int shutdown_fd) {
  return std::unique_ptr<ServerWorker>(new ServerWorker(config, std::move(sockets), shutdown_fd));
}

ServerWorker::ServerWorker(const core::ServerConfig& config, WorkerSockets sockets, int shutdown_fd)
    : server_(config), sockets_(std::move(sockets)), shutdown_fd_(shutdown_fd) {}

// poll(2) rather than an epoll set: a descriptor registered in an epoll set keeps an entry on the
// socket's wait queue for good, so every datagram the worker sends (sock_wfree -> write-space
// wake-up) and every one it receives runs the epoll callback under an IRQ-off lock, even while
// the worker is busy. poll's entries exist only while the worker sleeps. While datagrams keep
// coming, the worker re-checks readiness with a zero timeout (no wait-queue entries, and it still
// sees the other socket and the shutdown eventfd) and sleeps only once a round received nothing.
void ServerWorker::run() {
  std::array<pollfd, 3> fds{{{sockets_.primary.fd(), POLLIN, 0},
                             {sockets_.secondary.fd(), POLLIN, 0},
                             {shutdown_fd_, POLLIN, 0}}};
  bool busy = false;
  for (;;) {
    const int n = ::poll(fds.data(), fds.size(), busy ? 0 : -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      log::error("worker stopped: poll: {}", std::strerror(errno));
      return;
    }
    if (fds[2].revents != 0) return;
    busy = false;
    if (fds[0].revents != 0 && process_batch(core::ServerSocket::Primary) != 0) busy = true;
    if (fds[1].revents != 0 && process_batch(core::ServerSocket::Secondary) != 0) busy = true;
  }
}

std::size_t ServerWorker::process_batch(core::ServerSocket on) {
  os::UdpSocket& socket = on == core::ServerSocket::Primary ? sockets_.primary : sockets_.secondary;
  auto received = socket.recv_batch(recv_);
  if (!received) {
    note_error("recvmmsg", received.error().code.value());
    return 0;
  }
  if (*received == 0) return 0;

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
  return *received;
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

}  // namespace teredo::datapath
