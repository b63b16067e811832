// SPDX-License-Identifier: GPL-2.0-or-later
// Per-peer state of the RFC 6081 port-preserving (3.3, 5.4) and sequential port-symmetric (3.4,
// 5.5) extensions: the random local port opened for a peer, what our Random Port trailers say,
// the peer's own random port, and the echo test that predicts a sequential NAT's next port.
// Few peers need it (those reached from behind a symmetric NAT, or that sent a Random Port
// trailer): a small bounded table beside the peer table, looked up only for peers flagged
// PeerEntry::kRandomPort.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/time.hpp"
#include "proto/encapsulation.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::core {

struct RandomPortPeer {
  proto::Ipv6Addr peer;
  std::uint16_t local = 0;         // our random local port (0: none open)
  std::uint16_t advertised = 0;    // our Random Port trailers' value (PP: local; sequential: predicted)
  std::uint16_t peer_port = 0;     // the peer's Random Port (6081 5.4: Peer Random Port)
  bool direct_on_random = false;   // the peer's direct bubbles reach us on `local` (5.4: DRoR)
  std::uint8_t refresh_count = 0;  // peer refreshes without data in between (5.4.6)
  Tick last_data_sent = 0;         // data (not bubbles) sent to the peer
  // Sequential echo test (5.5): the RS nonces from `local` to both server addresses, the ports the
  // servers saw, the tests run so far, and when the next step is due.
  proto::Nonce echo_nonce1{};
  proto::Nonce echo_nonce2{};
  std::uint16_t lower = 0;
  std::uint16_t upper = 0;
  std::uint8_t echo_tests = 0;
  std::optional<Tick> echo_deadline;  // set while an echo test waits for its answers

  bool echo_running() const { return echo_deadline.has_value(); }
};

class RandomPorts {
 public:
  explicit RandomPorts(std::size_t capacity) : capacity_(capacity) {
    entries_.reserve(std::min<std::size_t>(capacity, 64));
  }

  RandomPortPeer* find(const proto::Ipv6Addr& peer) {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const RandomPortPeer& e) { return e.peer == peer; });
    return it == entries_.end() ? nullptr : &*it;
  }
  const RandomPortPeer* find(const proto::Ipv6Addr& peer) const {
    return const_cast<RandomPorts*>(this)->find(peer);
  }
  RandomPortPeer* find_port(std::uint16_t local) {
    if (local == 0) return nullptr;
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const RandomPortPeer& e) { return e.local == local; });
    return it == entries_.end() ? nullptr : &*it;
  }
  bool port_in_use(std::uint16_t local) { return find_port(local) != nullptr; }
  /// The entry for `peer`, created when there is room (nullptr when the table is full).
  RandomPortPeer* ensure(const proto::Ipv6Addr& peer) {
    if (RandomPortPeer* e = find(peer)) return e;
    if (entries_.size() >= capacity_) return nullptr;
    entries_.push_back(RandomPortPeer{});
    entries_.back().peer = peer;
    return &entries_.back();
  }
  /// Removes `e` (pointers into the table become invalid).
  void erase(RandomPortPeer* e) {
    *e = entries_.back();
    entries_.pop_back();
  }
  std::vector<RandomPortPeer>& entries() { return entries_; }
  const std::vector<RandomPortPeer>& entries() const { return entries_; }
  std::size_t open_ports() const {
    return static_cast<std::size_t>(std::count_if(entries_.begin(), entries_.end(),
                                                  [](const RandomPortPeer& e) { return e.local != 0; }));
  }

 private:
  std::size_t capacity_;
  std::vector<RandomPortPeer> entries_;
};

}  // namespace teredo::core
