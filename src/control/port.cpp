// ControlPort: request slot + eventfd between the control thread and a relay/client data path.
#include "control/port.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include "proto/teredo_address.hpp"

namespace teredo::control {

namespace {

const auto kProcessStart = std::chrono::steady_clock::now();
const auto kProcessStartWall = std::chrono::system_clock::now();

double seconds(core::Duration d) { return std::chrono::duration<double>(d).count(); }

template <class Core>
core::TimePoint core_epoch(const Core& c) {
  return c.epoch();
}

template <class C>
std::optional<core::TimePoint> last_refresh_of(const C& c) {
  return c.last_refresh();
}
template <class C>
std::optional<core::TimePoint> next_refresh_of(const C& c) {
  const core::TimePoint t = c.next_refresh();
  if (t == core::TimePoint::max()) return std::nullopt;  // nothing scheduled
  return t;
}

double tick_seconds(std::uint32_t ticks) {
  return static_cast<double>(ticks) * static_cast<double>(core::kTickLength.count()) / 1000.0;
}

std::vector<std::string> offload_names(const os::TunOffloads& o) {
  std::vector<std::string> out;
  if (o.csum) out.emplace_back("csum");
  if (o.tso6) out.emplace_back("tso6");
  if (o.uso6) out.emplace_back("uso6");
  return out;
}

// Peers of either core: `prefix` tells Teredo peers from native ones.
template <class Core>
void collect_peers(const Core& core, std::uint32_t prefix, core::TimePoint now, const PeerQuery& q,
                   ControlSnapshot& s, std::optional<PeerInfo>* native_relay) {
  if (!q.want_peers && native_relay == nullptr) return;  // a relay's table may hold millions: skip the walk
  const core::Tick tick = core::to_tick(core_epoch(core), std::max(now, core_epoch(core)));
  const core::PacketQueue& queue = core.queue();
  auto info_of = [&](const core::PeerEntry& e) {
    PeerInfo p;
    p.addr = e.addr;
    p.mapped = e.mapped();
    p.trusted = e.trusted();
    p.teredo = proto::prefix32(e.addr) == prefix;
    if ((e.flags & core::PeerEntry::kHeard) != 0) p.last_rx_age = tick_seconds(core::tick_age(tick, e.last_rx));
    p.last_tx_age = tick_seconds(core::tick_age(tick, e.last_tx));
    if (e.queue != core::kNoQueue) p.queued_packets = queue.packets_in(e.queue);
    p.packets_in = e.rx_packets;
    p.packets_out = e.tx_packets;
    p.bytes_in = e.rx_bytes;
    p.bytes_out = e.tx_bytes;
    return p;
  };
  core.peers().for_each([&](const core::PeerEntry& e) {
    if (native_relay != nullptr && e.trusted() && proto::prefix32(e.addr) != prefix) {
      PeerInfo p = info_of(e);
      if (p.last_rx_age && (!*native_relay || !(*native_relay)->last_rx_age ||
                            *p.last_rx_age < *(*native_relay)->last_rx_age))
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
  s.started_unix = std::chrono::duration_cast<std::chrono::seconds>(kProcessStartWall.time_since_epoch()).count();
}

os::OsResult<std::unique_ptr<ControlPort>> ControlPort::create() {
  os::Fd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!fd) return os::errno_error("eventfd");
  return std::unique_ptr<ControlPort>(new ControlPort(std::move(fd)));
}

std::optional<std::pair<std::uint64_t, PeerQuery>> ControlPort::take() {
  std::uint64_t v = 0;
  (void)!::read(event_.get(), &v, sizeof v);
  std::lock_guard lock(mutex_);
  if (pending_id_ == 0) return std::nullopt;
  auto out = std::pair{pending_id_, pending_query_};
  pending_id_ = 0;
  return out;
}

void ControlPort::answer(std::uint64_t id, ControlSnapshot snapshot) {
  {
    std::lock_guard lock(mutex_);
    answer_ = std::move(snapshot);
    answer_id_ = id;
  }
  done_.notify_all();
}

std::optional<ControlSnapshot> ControlPort::request(const PeerQuery& query, std::chrono::milliseconds timeout) {
  std::lock_guard serial(request_mutex_);
  std::unique_lock lock(mutex_);
  const std::uint64_t id = ++next_id_;
  pending_id_ = id;
  pending_query_ = query;
  answer_.reset();
  const std::uint64_t one = 1;
  if (::write(event_.get(), &one, sizeof one) != sizeof one) {
    pending_id_ = 0;
    return std::nullopt;
  }
  const bool ok = done_.wait_for(lock, timeout, [&] { return answer_id_ == id && answer_.has_value(); });
  if (!ok) {
    if (pending_id_ == id) pending_id_ = 0;
    return std::nullopt;
  }
  std::optional<ControlSnapshot> out = std::move(answer_);
  answer_.reset();
  return out;
}

void ControlPort::note_state(core::ClientState state) {
  if (last_state_ == state) return;
  last_state_ = state;
  state_since_ = std::chrono::steady_clock::now();
}

void ControlPort::serve(const core::Relay& relay, const proto::DropCounters& driver_drops,
                        const os::TunOffloads& offloads, std::uint64_t handed_off) {
  auto req = take();
  if (!req) return;
  const core::TimePoint now = std::chrono::steady_clock::now();
  const PeerQuery& q = req->second;
  ControlSnapshot s;
  fill_process_info(s);
  const core::RelayConfig& cfg = relay.config();
  s.role = cfg.mode == core::RelayMode::Restricted ? "restricted" : "cone";
  s.mtu = cfg.mtu;
  s.prefix = cfg.prefix;
  s.offloads = offload_names(offloads);
  const core::RelayCounters& c = relay.counters();
  s.counters = {{"tun_packets", c.tun_packets},
                {"tun_bytes", c.tun_bytes},
                {"udp_datagrams", c.udp_datagrams},
                {"udp_bytes", c.udp_bytes},
                {"to_teredo_packets", c.to_teredo_packets},
                {"to_teredo_bytes", c.to_teredo_bytes},
                {"to_native_packets", c.to_native_packets},
                {"to_native_bytes", c.to_native_bytes},
                {"bubbles_direct_sent", c.bubbles_direct_sent},
                {"bubbles_indirect_sent", c.bubbles_indirect_sent},
                {"bubbles_received", c.bubbles_received},
                {"packets_queued", c.packets_queued},
                {"packets_flushed", c.packets_flushed},
                {"icmpv6_errors_sent", c.icmpv6_errors_sent},
                {"peers_created", c.peers_created},
                {"peers_evicted", c.peers_evicted},
                {"peers_expired", c.peers_expired},
                {"peers_given_up", c.peers_given_up},
                {"handed_off", handed_off}};
  s.drops = relay.drops();
  s.drops += driver_drops;
  s.peer_count = relay.peers().size();
  s.max_peers = relay.peers().max_peers();
  s.queued_packets = relay.queue().packets_queued();
  collect_peers(relay, cfg.prefix, now, q, s, nullptr);
  answer(req->first, std::move(s));
}

void ControlPort::serve(const core::Client& client, const proto::DropCounters& driver_drops,
                        const os::TunOffloads& offloads, std::uint64_t handed_off) {
  auto req = take();
  const core::TimePoint now = std::chrono::steady_clock::now();
  if (!last_state_) {
    // First look: the client starts probing with the process.
    last_state_ = client.state();
    state_since_ = client.state() == core::ClientState::Probing ? kProcessStart : now;
  } else if (last_state_ != client.state()) {
    // A transition the worker did not report (e.g. down -> probing): seen now, time approximate.
    last_state_ = client.state();
    state_since_ = now;
  }
  if (!req) return;
  const PeerQuery& q = req->second;
  ControlSnapshot s;
  fill_process_info(s);
  s.role = "client";
  s.offloads = offload_names(offloads);
  ClientStatus st;
  st.state = client.state();
  st.state_since_age = seconds(now - state_since_);
  st.qualification = client.qualification();
  st.server = client.config().server;
  st.server_secondary = client.config().server2;
  st.current_server = client.current_server();
  st.symmetric_nat = client.symmetric_nat();
  if (auto t = last_refresh_of(client); t && *t != core::TimePoint{} && *t != core::TimePoint::min())
    st.last_refresh_age = seconds(now - *t);
  if (auto t = next_refresh_of(client); t && *t != core::TimePoint::max())
    st.next_refresh_in = std::max(0.0, seconds(*t - now));
  if (st.qualification) s.mtu = st.qualification->mtu;
  const core::ClientCounters& c = client.counters();
  s.counters = {{"tun_packets", c.tun_packets},
                {"tun_bytes", c.tun_bytes},
                {"udp_datagrams", c.udp_datagrams},
                {"udp_bytes", c.udp_bytes},
                {"sent_packets", c.sent_packets},
                {"sent_bytes", c.sent_bytes},
                {"delivered_packets", c.delivered_packets},
                {"delivered_bytes", c.delivered_bytes},
                {"rs_sent", c.rs_sent},
                {"ra_accepted", c.ra_accepted},
                {"ra_rejected", c.ra_rejected},
                {"qualifications", c.qualifications},
                {"address_changes", c.address_changes},
                {"server_losses", c.server_losses},
                {"failovers", c.failovers},
                {"bubbles_direct_sent", c.bubbles_direct_sent},
                {"bubbles_indirect_sent", c.bubbles_indirect_sent},
                {"bubbles_received", c.bubbles_received},
                {"bubble_replies_sent", c.bubble_replies_sent},
                {"connectivity_tests_sent", c.connectivity_tests_sent},
                {"relays_verified", c.relays_verified},
                {"packets_queued", c.packets_queued},
                {"packets_flushed", c.packets_flushed},
                {"icmpv6_errors_sent", c.icmpv6_errors_sent},
                {"peers_given_up", c.peers_given_up},
                {"handed_off", handed_off}};
  s.drops = client.drops();
  s.drops += driver_drops;
  s.peer_count = client.peers().size();
  s.max_peers = client.peers().max_peers();
  s.queued_packets = client.queue().packets_queued();
  const std::uint32_t prefix = st.qualification ? st.qualification->prefix : proto::kTeredoPrefix;
  collect_peers(client, prefix, now, q, s, &st.native_relay);
  s.client = std::move(st);
  answer(req->first, std::move(s));
}

}  // namespace teredo::control
