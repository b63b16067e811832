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

// What both cores report: their counters, drops, table figures, and the peers `q` asks for.
// `prefix` tells Teredo peers from native ones; `native_relay` (client) receives the trusted native
// peer heard most recently.
template <class Core>
void fill_tunnel(const Core& core, std::uint32_t prefix, const PeerQuery& q, core::TimePoint now,
                 ControlSnapshot& s, std::optional<PeerInfo>* native_relay) {
  append_counters(s.counters, core.counters());
  s.drops = core.drops();
  s.peer_count = core.peers().size();
  s.max_peers = core.peers().max_peers();
  s.peer_slots = core.peers().slot_count();
  s.peer_table_bytes = core.peers().memory_bytes();
  s.queued_packets = core.queue().packets_queued();
  s.worker_peers = {core.peers().size()};
  if (!q.want_peers && native_relay == nullptr) return;  // a relay's table may hold millions: skip the walk
  const core::Tick tick = core::to_tick(core.epoch(), std::max(now, core.epoch()));
  auto info_of = [&](const core::PeerEntry& e) {
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
    if ((e.flags & core::PeerEntry::kHeard) != 0)
      p.last_rx_age = tick_seconds(core::tick_age(tick, e.last_rx));
    p.last_tx_age = tick_seconds(core::tick_age(tick, e.last_tx));
    if (e.queue != core::kNoQueue) p.queued_packets = core.queue().packets_in(e.queue);
    p.packets_in = e.rx_packets;
    p.packets_out = e.tx_packets;
    p.bytes_in = e.rx_bytes;
    p.bytes_out = e.tx_bytes;
    return p;
  };
  core.peers().for_each([&](const core::PeerEntry& e) {
    if (native_relay != nullptr && e.trusted() && proto::prefix32(e.addr) != prefix) {
      PeerInfo p = info_of(e);
      if (p.last_rx_age &&
          (!*native_relay || !(*native_relay)->last_rx_age || *p.last_rx_age < *(*native_relay)->last_rx_age))
        *native_relay = p;
    }
    if (!q.want_peers || !peer_matches(q, e.addr, proto::Ipv4Addr{e.mapped_addr})) return;
    s.peers.push_back(info_of(e));
  });
  if (q.want_peers) sort_peers(s.peers, q);
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
  fill_tunnel(relay, cfg.prefix, q, now, s, nullptr);
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
  const std::uint32_t prefix = st.qualification ? st.qualification->prefix : proto::kTeredoPrefix;
  fill_tunnel(client, prefix, q, now, s, &st.native_relay);
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
      case S::Address:
        break;
    }
    return a.addr < b.addr;
  };
  if (q.reverse)
    std::sort(peers.begin(), peers.end(),
              [&](const PeerInfo& a, const PeerInfo& b) { return key_less(b, a); });
  else
    std::sort(peers.begin(), peers.end(), key_less);
  if (q.limit != 0 && peers.size() > q.limit) peers.resize(q.limit);
}

ControlSnapshot merge_snapshots(std::vector<ControlSnapshot> parts, const PeerQuery& q) {
  ControlSnapshot total = std::move(parts.front());
  total.worker_peers = {total.peer_count.value_or(0)};
  total.workers = static_cast<unsigned>(parts.size());
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
