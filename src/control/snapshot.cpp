// Peer queries (filter, sort) and state names of the control snapshots.
#include "control/snapshot.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "os/net_text.hpp"

namespace teredo::control {

const char* client_state_name(core::ClientState s) {
  switch (s) {
    case core::ClientState::Probing: return "probing";
    case core::ClientState::Qualified: return "qualified";
    case core::ClientState::Down: return "down";
  }
  return "unknown";
}

std::optional<PeerQuery::Sort> parse_peer_sort(std::string_view name) {
  using S = PeerQuery::Sort;
  if (name == "packets") return S::Packets;
  if (name == "bytes") return S::Bytes;
  if (name == "address" || name == "addr") return S::Address;
  if (name == "mapped") return S::Mapped;
  if (name == "rx" || name == "last_receive") return S::LastReceive;
  if (name == "tx" || name == "last_send") return S::LastSend;
  if (name == "queued") return S::Queued;
  return std::nullopt;
}

bool parse_peer_filter(std::string_view text, PeerQuery& q) {
  if (auto v4 = os::parse_ipv4(text)) {
    q.mapped = *v4;
    return true;
  }
  unsigned len = 128;
  std::string_view addr = text;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    const std::string_view l = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(l.data(), l.data() + l.size(), len);
    if (l.empty() || ec != std::errc{} || end != l.data() + l.size() || len > 128) return false;
  }
  auto v6 = os::parse_ipv6(addr);
  if (!v6) return false;
  q.addr = *v6;
  q.prefix_len = len;
  return true;
}

bool peer_matches(const PeerQuery& q, const proto::Ipv6Addr& addr, proto::Ipv4Addr mapped) {
  if (q.mapped && mapped != *q.mapped) return false;
  if (q.addr) {
    const unsigned full = q.prefix_len / 8;
    for (unsigned i = 0; i < full; ++i)
      if (addr.bytes[i] != q.addr->bytes[i]) return false;
    if (const unsigned rest = q.prefix_len % 8; rest != 0) {
      const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
      if ((addr.bytes[full] & mask) != (q.addr->bytes[full] & mask)) return false;
    }
  }
  return true;
}

void sort_peers(std::vector<PeerInfo>& peers, const PeerQuery& q) {
  using S = PeerQuery::Sort;
  auto key_less = [&](const PeerInfo& a, const PeerInfo& b) {
    switch (q.sort) {
      case S::Mapped:
        if (a.mapped != b.mapped) return a.mapped < b.mapped;
        break;
      case S::LastReceive: {
        // Most recent first; never heard last.
        const double x = a.last_rx_age.value_or(1e18), y = b.last_rx_age.value_or(1e18);
        if (x != y) return x < y;
        break;
      }
      case S::LastSend:
        if (a.last_tx_age != b.last_tx_age) return a.last_tx_age < b.last_tx_age;
        break;
      case S::Queued:
        if (a.queued_packets != b.queued_packets) return a.queued_packets > b.queued_packets;
        break;
      case S::Packets:
        if (a.packets_in + a.packets_out != b.packets_in + b.packets_out)
          return a.packets_in + a.packets_out > b.packets_in + b.packets_out;
        break;
      case S::Bytes:
        if (a.bytes_in + a.bytes_out != b.bytes_in + b.bytes_out)
          return a.bytes_in + a.bytes_out > b.bytes_in + b.bytes_out;
        break;
      case S::Address: break;
    }
    return a.addr < b.addr;
  };
  if (q.reverse)
    std::sort(peers.begin(), peers.end(), [&](const PeerInfo& a, const PeerInfo& b) { return key_less(b, a); });
  else
    std::sort(peers.begin(), peers.end(), key_less);
  if (q.limit != 0 && peers.size() > q.limit) peers.resize(q.limit);
}

ControlSnapshot merge_snapshots(std::vector<ControlSnapshot> parts, const PeerQuery& q) {
  ControlSnapshot total = std::move(parts.front());
  total.worker_peers = {total.peer_count.value_or(0)};
  for (std::size_t i = 1; i < parts.size(); ++i) {
    ControlSnapshot& p = parts[i];
    // Every worker reports the same counters in the same order.
    for (std::size_t k = 0; k < total.counters.size() && k < p.counters.size(); ++k)
      total.counters[k].second += p.counters[k].second;
    total.drops += p.drops;
    if (total.peer_count || p.peer_count) total.peer_count = total.peer_count.value_or(0) + p.peer_count.value_or(0);
    total.worker_peers.push_back(p.peer_count.value_or(0));
    total.max_peers += p.max_peers;
    total.queued_packets += p.queued_packets;
    total.peers.insert(total.peers.end(), std::make_move_iterator(p.peers.begin()),
                       std::make_move_iterator(p.peers.end()));
  }
  if (q.want_peers) sort_peers(total.peers, q);
  return total;
}

}  // namespace teredo::control
