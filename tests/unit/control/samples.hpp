// SPDX-License-Identifier: GPL-2.0-or-later
// Snapshots the control tests render: a qualified client with one native peer.
#pragma once

#include <string_view>

#include "control/snapshot.hpp"
#include "core/client_counters.hpp"
#include "os/net_text.hpp"

namespace teredo::control::samples {

/// The CounterInfo of the client counter named `name` (every table row is one).
inline const core::CounterInfo* client_counter(std::string_view name) {
  for (const auto& f : core::kClientCounterFields)
    if (f.info.name == name) return &f.info;
  return nullptr;
}

inline PeerInfo peer(const char* addr, double rx, std::uint32_t queued) {
  PeerInfo p;
  p.addr = *os::parse_ipv6(addr);
  p.last_rx_age = rx;
  p.queued_packets = queued;
  p.teredo = true;
  return p;
}

inline ControlSnapshot client_snapshot() {
  ControlSnapshot s;
  s.role = "client";
  s.uptime = 12.5;
  ClientStatus c;
  c.state = core::ClientState::Qualified;
  c.state_age = 3;
  core::Qualification q;
  q.address = *os::parse_ipv6("2001:0:c633:640a:3c50:2c39:39cc:9be1");
  q.mtu = 1280;
  c.qualification = q;
  c.server = c.current_server = proto::make_ipv4(198, 51, 100, 10);
  c.server_secondary = proto::make_ipv4(198, 51, 100, 11);
  s.client = c;
  s.mtu = 1280;
  s.counters = {{client_counter("sent_packets"), 10}, {client_counter("delivered_packets"), 9}};
  s.drops.add(proto::Drop::NotIpv6);
  s.peer_count = 1;
  s.worker_peers = {1};
  s.peers.push_back(peer("2001:db8:100::100", 0.5, 0));
  s.peers.back().packets_in = 3;
  s.peers.back().bytes_out = 400;
  return s;
}

}  // namespace teredo::control::samples
