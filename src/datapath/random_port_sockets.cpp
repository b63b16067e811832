// SPDX-License-Identifier: GPL-2.0-or-later
// The random-port sockets of a client worker (random_port_sockets.hpp).
#include "datapath/random_port_sockets.hpp"

#include <cerrno>

namespace teredo::datapath {

os::OsStatus RandomPortSockets::open(std::uint16_t port) {
  if (find(port) != nullptr) return os::Ok{};
  std::size_t slot = 0;
  while (slot < kCapacity && slots_[slot]) ++slot;
  if (slot == kCapacity) return os::errno_error(kFull, ENOBUFS);
  // The kernel's default buffers: a few bubbles and one peer's traffic, not a worker's.
  os::UdpSocketOptions options;
  options.receive_buffer = 0;
  options.send_buffer = 0;
  auto socket = os::UdpSocket::open(proto::Endpoint{address_, port}, options);
  if (!socket) return socket.error();
  if (auto st = epoll_.add_readable(socket->fd(), first_tag_ + slot); !st) return st.error();
  slots_[slot].emplace(std::move(*socket));
  ++open_;
  return os::Ok{};
}

void RandomPortSockets::close(std::uint16_t port) {
  for (auto& s : slots_) {
    if (!s || s->local().port != port) continue;
    // Closing would remove it from the set too; removing first keeps the set right even if the
    // descriptor were ever shared.
    (void)epoll_.remove(s->fd());
    s.reset();
    --open_;
    return;
  }
}

os::UdpSocket* RandomPortSockets::find(std::uint16_t port) {
  if (open_ == 0) return nullptr;
  for (auto& s : slots_)
    if (s && s->local().port == port) return &*s;
  return nullptr;
}

}  // namespace teredo::datapath
