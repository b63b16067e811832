// SPDX-License-Identifier: GPL-2.0-or-later
// Server worker event loop.
#include "datapath/server_worker.hpp"

#include <chrono>
#include <type_traits>
#include <variant>

#include "daemon/log.hpp"
#include "os/poll_set.hpp"

namespace teredo::datapath {

ServerWorker::ServerWorker(const core::ServerConfig& config, ServerSockets sockets, int stop_fd,
                           os::Heartbeat heartbeat)
    : server_(config), sockets_(std::move(sockets)), stop_fd_(stop_fd), heartbeat_(heartbeat) {}

// poll(2) rather than an epoll set: a descriptor registered in an epoll set keeps an entry on the
// socket's wait queue for good, so every datagram the worker sends (sock_wfree -> write-space
// wake-up) and every one it receives runs the epoll callback under an IRQ-off lock, even while
// the worker is busy. poll's entries exist only while the worker sleeps. While datagrams keep
// coming, the worker re-checks readiness with a zero timeout (no wait-queue entries, and it still
// sees the other socket and the stop eventfd) and sleeps only once a round received nothing.
void ServerWorker::run() {
  os::PollSet poll;
  const std::size_t primary = poll.add(sockets_.primary.fd(), os::PollSet::kReadable);
  const std::size_t secondary = poll.add(sockets_.secondary.fd(), os::PollSet::kReadable);
  const std::size_t stop = poll.add(stop_fd_, os::PollSet::kReadable);
  bool busy = false;
  for (;;) {
    heartbeat_.waiting();
    if (auto n = poll.wait(busy ? 0 : -1); !n) {
      daemon::log::error("worker stopped: {}", n.error().message());
      return;
    }
    heartbeat_.working();
    if (poll.ready(stop)) return;
    busy = false;
    if (poll.ready(primary) && process_batch(core::ServerSocket::Primary) != 0) busy = true;
    if (poll.ready(secondary) && process_batch(core::ServerSocket::Secondary) != 0) busy = true;
  }
}

std::size_t ServerWorker::process_batch(core::ServerSocket on) {
  os::UdpSocket& socket = on == core::ServerSocket::Primary ? sockets_.primary : sockets_.secondary;
  auto received = socket.recv_batch(recv_);
  if (!received) {
    errors_.note("recvmmsg", received.error().code.value());
    return 0;
  }
  if (*received == 0) return 0;

  const core::TimePoint now = std::chrono::steady_clock::now();  // one reading per batch
  for (std::size_t i = 0; i < *received; ++i) {
    auto action = server_.on_datagram(on, recv_.source(i), recv_.payload(i), out_[i], now);
    if (!action) continue;  // counted by the core
    std::visit(
        [&](const auto& a) {
          using T = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<T, core::ServerSendUdp>) {
            os::SendBatch& batch = a.from == core::ServerSocket::Primary ? send_primary_ : send_secondary_;
            // At most kMaxBatch actions per received batch, so the send batch cannot be full.
            if (!batch.add(a.to, a.header, a.body)) send_drops_.add(proto::Drop::SendFailed);
          } else {
            if (auto st = sockets_.raw.send(a.packet); !st) {
              send_drops_.add(proto::Drop::SendFailed);
              errors_.note("raw IPv6 send", st.error().code.value());
            }
          }
        },
        *action);
  }

  // The bodies view recv_ and the headers view out_: send before the next receive.
  for (auto [sock, batch] :
       {std::pair{&sockets_.primary, &send_primary_}, std::pair{&sockets_.secondary, &send_secondary_}}) {
    if (batch->size() == 0) continue;
    const os::SendReport r = sock->send_batch(*batch);
    for (std::size_t k = 0; k < r.failed; ++k) send_drops_.add(proto::Drop::SendFailed);
    if (r.failed != 0) errors_.note("sendmmsg", r.first_errno);
  }
  publish();
  return *received;
}

void ServerWorker::publish() {
  std::lock_guard lock(published_mutex_);
  published_.counters = server_.counters();
  published_.drops = server_.drops();
  published_.drops += send_drops_;
}

ServerTotals ServerWorker::published() const {
  std::lock_guard lock(published_mutex_);
  return published_;
}

}  // namespace teredo::datapath
