// SPDX-License-Identifier: GPL-2.0-or-later
// Control snapshots: building them from a core, merging workers, peer queries (filter, sort).
#include "control/snapshot.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <type_traits>

#include "os/net_text.hpp"
#include "proto/teredo_address.hpp"

namespace teredo::control {

namespace {

const auto kProcessStart = std::chrono::steady_clock::now();
const auto kProcessStartWall = std::chrono::system_clock::now();

double seconds(core::Duration d) {
  return std::chrono::duration<double>(d).count();
}

double tick_seconds(std::uint32_t ticks) {
  return static_cast<double>(ticks) * static_cast<double>(core::kTickLength.count()) / 1000.0;
}

// One peer as the control channel shows it; `prefix` tells Teredo peers from native ones.
template <class Core>
PeerInfo info_of(const Core& core, const core::PeerEntry& e, std::uint32_t prefix, core::Tick tick) {
  PeerInfo p;
  p.addr = e.addr;
  p.mapped = e.mapped();
  p.trusted = e.trusted();
  p.teredo = proto::prefix32(e.addr) == prefix;
  p.observed_mapping = p.teredo && e.trusted() && proto::parse_teredo_address(e.addr).mapped != e.mapped();
  p.rfc6081 = (e.flags & core::PeerEntry::kRfc6081) != 0;
  if constexpr (std::is_same_v<Core, core::Client>) {
    const core::LocalPeer* l = core.local_peers().find(e.addr, tick);
    p.local = l != nullptr && e.trusted() && l->local == e.mapped();
    if ((e.flags & core::PeerEntry::kRandomPort) != 0) {
      if (const core::RandomPortPeer* r = core.random_ports().find(e.addr)) {
        p.random_port = r->local;
        p.advertised_port = r->advertised;
        p.peer_random_port = r->peer_port;
      }
    }
  }
  if ((e.flags & core::PeerEntry::kHeard) != 0) p.last_rx_age = tick_seconds(core::tick_age(tick, e.last_rx));
  p.last_tx_age = tick_seconds(core::tick_age(tick, e.last_tx));
  if (e.queue != core::kNoQueue) p.queued_packets = core.queue().packets_in(e.queue);
  p.packets_in = e.rx_packets;
  p.packets_out = e.tx_packets;
  p.bytes_in = e.rx_bytes;
  p.bytes_out = e.tx_bytes;
  return p;
}

std::uint32_t teredo_prefix_of(const core::Relay& relay) {
  return relay.config().prefix;
}
std::uint32_t teredo_prefix_of(const core::Client& client) {
  const auto& q = client.qualification();
  return q ? q->prefix : proto::kTeredoPrefix;
}

core::Tick tick_of(const auto& core, core::TimePoint now) {
  return core::to_tick(core.epoch(), std::max(now, core.epoch()));
}

template <class Core>
bool walk_slice(const Core& core, PeerWalk& w, core::TimePoint now, std::size_t slots) {
  const std::uint32_t prefix = teredo_prefix_of(core);
  const core::Tick tick = tick_of(core, now);
  const std::size_t total = core.peers().slot_count();
  const std::size_t end = w.cursor + std::min(slots, total);
  w.cursor = core.peers().for_each_in(w.cursor, end, [&](const core::PeerEntry& e) {
    if (peer_matches(w.query, e.addr, proto::Ipv4Addr{e.mapped_addr}))
      w.selection.offer(info_of(core, e, prefix, tick));
  });
  return w.cursor >= total;
}

// What both cores report: their counters, drops, table figures, and the peers `q` asks for (the
// whole table walked at once).
template <class Core>
void fill_tunnel(const Core& core, const PeerQuery& q, core::TimePoint now, ControlSnapshot& s) {
  append_counters(s.counters, core.counters());
  s.drops = core.drops();
  s.peer_count = core.peers().size();
  s.max_peers = core.peers().max_peers();
  s.peer_slots = core.peers().slot_count();
  s.peer_table_bytes = core.peers().memory_bytes();
  s.queued_packets = core.queue().packets_queued();
  s.worker_peers = {core.peers().size()};
  if (!q.want_peers) return;  // a relay's table may hold millions: skip the walk
  PeerWalk w(q);
  walk_slice(core, w, now, core.peers().slot_count());
  s.peers = w.selection.take();
  sort_peers(s.peers, q);
}

// The client's relay for native IPv6: the trusted native peer heard from most recently.
std::optional<PeerInfo> native_relay_of(const core::Client& client, core::TimePoint now) {
  const std::uint32_t prefix = teredo_prefix_of(client);
  const core::Tick tick = tick_of(client, now);
  const core::PeerEntry* best = nullptr;
  client.peers().for_each([&](const core::PeerEntry& e) {
    if (!e.trusted() || proto::prefix32(e.addr) == prefix || (e.flags & core::PeerEntry::kHeard) == 0) return;
    if (best == nullptr || core::tick_age(tick, e.last_rx) < core::tick_age(tick, best->last_rx)) best = &e;
  });
  if (best == nullptr) return std::nullopt;
  return info_of(client, *best, prefix, tick);
}

}  // namespace

void fill_process_info(ControlSnapshot& s) {
  s.uptime = seconds(std::chrono::steady_clock::now() - kProcessStart);
  s.start_time =
      std::chrono::duration_cast<std::chrono::seconds>(kProcessStartWall.time_since_epoch()).count();
}

void StateSince::note(core::ClientState state, core::TimePoint now) {
  if (state_ == state) return;
  state_ = state;
  since_ = now;
}

double StateSince::age(core::ClientState state, core::TimePoint now) {
  if (!state_) {
    // First look: the client starts probing with the process.
    state_ = state;
    since_ = state == core::ClientState::Probing ? kProcessStart : now;
  } else if (state_ != state) {
    // A transition the core did not report (down -> probing): seen now, time approximate.
    note(state, now);
  }
  return seconds(now - since_);
}

ControlSnapshot snapshot_of(const core::Relay& relay, const PeerQuery& q, core::TimePoint now) {
  ControlSnapshot s;
  fill_process_info(s);
  const core::RelayConfig& cfg = relay.config();
  s.role = cfg.mode == core::RelayMode::Restricted ? "restricted" : "cone";
  s.mtu = cfg.mtu;
  s.prefix = cfg.prefix;
  fill_tunnel(relay, q, now, s);
  return s;
}

ControlSnapshot snapshot_of(const core::Client& client, const PeerQuery& q, core::TimePoint now,
                            StateSince& since) {
  ControlSnapshot s;
  fill_process_info(s);
  s.role = "client";
  ClientStatus st;
  st.state = client.state();
  st.state_age = since.age(client.state(), now);
  st.qualification = client.qualification();
  st.server = client.config().server;
  st.server_secondary = client.config().server2;
  st.current_server = client.current_server();
  st.symmetric_nat = client.symmetric_nat();
  st.nat_type_known = client.nat_type_known();
  st.symmetric_nat_support = client.config().symmetric_nat_support;
  st.hairpinning = client.config().hairpinning;
  st.port_preserving_nat = client.config().port_preserving;
  st.sequential_nat = client.config().sequential;
  st.port_preserving = client.port_preserving();
  st.random_ports = client.random_ports().open_ports();
  st.local = client.config().local;
  st.local_discovery = client.config().local_discovery;
  if (client.config().key) st.client_id = client.config().key->id;
  st.key_renewal_requested = client.key_renewal_requested();
  st.upnp_mapping = client.config().upnp_mapping;
  st.local_peers = client.local_peers().live(core::to_tick(client.epoch(), now));
  if (auto t = client.last_refresh(); t && *t != core::TimePoint{} && *t != core::TimePoint::min())
    st.last_refresh_age = seconds(now - *t);
  if (const core::TimePoint t = client.next_refresh(); t != core::TimePoint::max())
    st.next_refresh_in = std::max(0.0, seconds(t - now));
  if (st.qualification) s.mtu = st.qualification->mtu;
  fill_tunnel(client, q, now, s);
  st.native_relay = native_relay_of(client, now);
  s.client = st;
  return s;
}

ControlSnapshot server_snapshot(const core::ServerConfig& config, unsigned workers,
                                const core::ServerCounters& counters, const proto::DropCounters& drops) {
  ControlSnapshot s;
  fill_process_info(s);
  s.role = "server";
  s.server = ServerStatus{config.primary, config.secondary, config.prefix, config.mtu};
  s.mtu = config.mtu;
  s.workers = workers;
  append_counters(s.counters, counters);
  s.drops = drops;
  return s;
}

const char* client_state_name(core::ClientState s) {
  switch (s) {
    case core::ClientState::Probing:
      return "probing";
    case core::ClientState::Qualified:
      return "qualified";
    case core::ClientState::Down:
      return "down";
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

namespace {

// q's order: its key (and direction), then the address.
bool peer_before(const PeerInfo& a, const PeerInfo& b, const PeerQuery& q) {
  using S = PeerQuery::Sort;
  auto key_less = [&](const PeerInfo& x, const PeerInfo& y) {
    switch (q.sort) {
      case S::Mapped:
        if (x.mapped != y.mapped) return x.mapped < y.mapped;
        break;
      case S::LastReceive: {
        // Most recent first; never heard last.
        const double u = x.last_rx_age.value_or(1e18), v = y.last_rx_age.value_or(1e18);
        if (u != v) return u < v;
        break;
      }
      case S::LastSend:
        if (x.last_tx_age != y.last_tx_age) return x.last_tx_age < y.last_tx_age;
        break;
      case S::Queued:
        if (x.queued_packets != y.queued_packets) return x.queued_packets > y.queued_packets;
        break;
      case S::Packets:
        if (x.packets_in + x.packets_out != y.packets_in + y.packets_out)
          return x.packets_in + x.packets_out > y.packets_in + y.packets_out;
        break;
      case S::Bytes:
        if (x.bytes_in + x.bytes_out != y.bytes_in + y.bytes_out)
          return x.bytes_in + x.bytes_out > y.bytes_in + y.bytes_out;
        break;
      case S::Address:
        break;
    }
    return x.addr < y.addr;
  };
  return q.reverse ? key_less(b, a) : key_less(a, b);
}

}  // namespace

void sort_peers(std::vector<PeerInfo>& peers, const PeerQuery& q) {
  std::sort(peers.begin(), peers.end(),
            [&](const PeerInfo& a, const PeerInfo& b) { return peer_before(a, b, q); });
  if (peers.size() > q.limit) peers.resize(q.limit);
}

PeerSelection::PeerSelection(const PeerQuery& q)
    : q_(q), keep_(std::clamp<std::size_t>(q.limit, 1, kMaxPeerLimit)) {
  // Room for all at once (pages touched as peers are kept): no reallocation in the middle of a walk.
  kept_.reserve(keep_);
  addrs_.reserve(keep_ + 1);  // + 1: a newcomer is in before the last kept leaves
}

void PeerSelection::offer(const PeerInfo& p) {
  auto before = [&](const PeerInfo& a, const PeerInfo& b) { return peer_before(a, b, q_); };
  if (kept_.size() == keep_ && !before(p, kept_.front())) return;  // after the last kept
  if (!addrs_.insert(p.addr).second) return;                       // kept already
  if (kept_.size() == keep_) {
    std::pop_heap(kept_.begin(), kept_.end(), before);
    addrs_.erase(kept_.back().addr);
    kept_.pop_back();
  }
  kept_.push_back(p);
  std::push_heap(kept_.begin(), kept_.end(), before);
}

std::vector<PeerInfo> PeerSelection::take() {
  addrs_.clear();
  return std::move(kept_);
}

bool walk_peers(const core::Relay& relay, PeerWalk& walk, core::TimePoint now, std::size_t slots) {
  return walk_slice(relay, walk, now, slots);
}

bool walk_peers(const core::Client& client, PeerWalk& walk, core::TimePoint now, std::size_t slots) {
  return walk_slice(client, walk, now, slots);
}

ControlSnapshot merge_snapshots(std::vector<ControlSnapshot> parts, const PeerQuery& q) {
  ControlSnapshot total = std::move(parts.front());
  total.worker_peers = {total.peer_count.value_or(0)};
  total.workers = static_cast<unsigned>(parts.size());
  for (const ControlSnapshot& p : parts) {
    total.longest_walk_slice = std::max(total.longest_walk_slice, p.longest_walk_slice);
    total.longest_walk_slice_cpu = std::max(total.longest_walk_slice_cpu, p.longest_walk_slice_cpu);
  }
  for (std::size_t i = 1; i < parts.size(); ++i) {
    ControlSnapshot& p = parts[i];
    // Every worker reports the same counters in the same order.
    for (std::size_t k = 0; k < total.counters.size() && k < p.counters.size(); ++k)
      total.counters[k].value += p.counters[k].value;
    total.drops += p.drops;
    if (total.peer_count || p.peer_count)
      total.peer_count = total.peer_count.value_or(0) + p.peer_count.value_or(0);
    total.worker_peers.push_back(p.peer_count.value_or(0));
    if (total.client && p.client) total.client->local_peers += p.client->local_peers;
    total.max_peers += p.max_peers;
    total.peer_slots += p.peer_slots;
    total.peer_table_bytes += p.peer_table_bytes;
    total.queued_packets += p.queued_packets;
    for (PeerInfo& peer : p.peers) peer.worker = static_cast<unsigned>(i);
    total.peers.insert(total.peers.end(), std::make_move_iterator(p.peers.begin()),
                       std::make_move_iterator(p.peers.end()));
  }
  if (q.want_peers) sort_peers(total.peers, q);
  if (total.client) {
    if (auto upnp = published_upnp_status()) {
      append_counters(total.counters, upnp->counters);
      total.client->upnp = std::move(*upnp);
    }
  }
  return total;
}

}  // namespace teredo::control
