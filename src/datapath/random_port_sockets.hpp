// SPDX-License-Identifier: GPL-2.0-or-later
// A client worker's random-port sockets (RFC 6081 3.3, 3.4: behind a symmetric NAT, a UDP socket
// on a random local port per peer), opened and closed as the core's OpenPort and ClosePort
// actions ask. Each lives in a slot of a small fixed table, watched by the worker's epoll with the
// tag `first_tag + slot`, so that the worker's loop finds the socket without a lookup. These
// sockets carry a few bubbles and the traffic of a handful of peers: kept apart from the
// service socket's batches. What each port is for is the core's business (core/random_ports.hpp);
// this holds the sockets. Used by the worker's one thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "os/epoll.hpp"
#include "os/os_result.hpp"
#include "os/udp_socket.hpp"
#include "proto/ipv4.hpp"

namespace teredo::datapath {

class RandomPortSockets {
 public:
  /// Sockets at once: core::ClientConfig::max_random_ports's default (an open beyond fails).
  static constexpr std::size_t kCapacity = 64;
  /// The operation an open reports when every slot is taken (with ENOBUFS).
  static constexpr const char* kFull = "random port table";

  /// Sockets are bound to `address` (the service socket's, possibly 0.0.0.0) and registered in
  /// `epoll` (which must outlive this) with tags first_tag .. first_tag + kCapacity - 1.
  RandomPortSockets(os::Epoll& epoll, proto::Ipv4Addr address, std::uint64_t first_tag)
      : epoll_(epoll), address_(address), first_tag_(first_tag) {}
  RandomPortSockets(const RandomPortSockets&) = delete;
  RandomPortSockets& operator=(const RandomPortSockets&) = delete;
  /// Closes every socket (closing removes a descriptor from the epoll set).
  ~RandomPortSockets() = default;

  /// Opens a non-blocking socket on `port` and watches it. Already open: nothing to do. Fails
  /// when the table is full (kFull: ENOBUFS) or the port is taken (bind: EADDRINUSE).
  os::OsStatus open(std::uint16_t port);
  /// Closes the socket on `port` (none: nothing to do).
  void close(std::uint16_t port);

  /// The socket on `port`, or nullptr.
  os::UdpSocket* find(std::uint16_t port);
  /// The slot an epoll tag names, if it is one of ours.
  std::optional<std::size_t> slot_of(std::uint64_t tag) const {
    if (tag < first_tag_ || tag - first_tag_ >= kCapacity) return std::nullopt;
    return static_cast<std::size_t>(tag - first_tag_);
  }
  /// The socket in `slot`, or nullptr when the slot is free (closed since epoll reported it).
  os::UdpSocket* socket(std::size_t slot) { return slots_[slot] ? &*slots_[slot] : nullptr; }
  /// Sockets open.
  std::size_t size() const { return open_; }

 private:
  os::Epoll& epoll_;
  proto::Ipv4Addr address_;
  std::uint64_t first_tag_;
  std::array<std::optional<os::UdpSocket>, kCapacity> slots_;
  std::size_t open_ = 0;
};

}  // namespace teredo::datapath
