// Text forms of relay statistics.
#include "datapath/relay_stats.hpp"

#include <fmt/core.h>

#include "datapath/counter_sum.hpp"
#include "datapath/drop_text.hpp"

namespace teredo::datapath {

RelayStats& operator+=(RelayStats& a, const RelayStats& b) {
  add_counters(a.counters, b.counters);
  a.drops += b.drops;
  a.peers += b.peers;
  a.peer_slots += b.peer_slots;
  a.peer_table_bytes += b.peer_table_bytes;
  a.queued_packets += b.queued_packets;
  a.handed_off += b.handed_off;
  a.taken_over += b.taken_over;
  return a;
}

RelayStats collect_relay_stats(const core::Relay& relay, const proto::DropCounters& driver_drops,
                               std::uint64_t handed_off, std::uint64_t taken_over) {
  RelayStats s;
  s.handed_off = handed_off;
  s.taken_over = taken_over;
  s.counters = relay.counters();
  s.drops = relay.drops();
  s.drops += driver_drops;
  s.peers = relay.peers().size();
  s.peer_slots = relay.peers().slot_count();
  s.peer_table_bytes = relay.peers().memory_bytes();
  s.queued_packets = relay.queue().packets_queued();
  return s;
}

std::string format_relay_stats(const RelayStats& s) {
  const core::RelayCounters& c = s.counters;
  std::string out = fmt::format(
      "tun_packets {}\ntun_bytes {}\nudp_datagrams {}\nudp_bytes {}\nto_teredo_packets {}\nto_teredo_bytes {}\n"
      "to_native_packets {}\nto_native_bytes {}\nbubbles_direct_sent {}\nbubbles_indirect_sent {}\n"
      "bubbles_received {}\npackets_queued {}\npackets_flushed {}\nicmpv6_errors_sent {}\npeers_created {}\n"
      "peers_evicted {}\npeers_expired {}\npeers_given_up {}\n",
      c.tun_packets, c.tun_bytes, c.udp_datagrams, c.udp_bytes, c.to_teredo_packets, c.to_teredo_bytes,
      c.to_native_packets, c.to_native_bytes, c.bubbles_direct_sent, c.bubbles_indirect_sent, c.bubbles_received,
      c.packets_queued, c.packets_flushed, c.icmpv6_errors_sent, c.peers_created, c.peers_evicted, c.peers_expired,
      c.peers_given_up);
  append_drop_lines(out, s.drops);
  out += fmt::format(
      "drops_total {}\npeers {}\npeer_slots {}\npeer_table_bytes {}\nqueued_packets {}\nhanded_off {}\ntaken_over {}\n",
      s.drops.total(), s.peers, s.peer_slots, s.peer_table_bytes, s.queued_packets, s.handed_off, s.taken_over);
  return out;
}

std::string summarize_relay_stats(const RelayStats& s) {
  const core::RelayCounters& c = s.counters;
  std::string out = fmt::format(
      "{} packets from the tunnel, {} datagrams from Teredo peers, {} encapsulated, {} decapsulated, "
      "{} bubbles sent, {} ICMPv6 errors, {} peers created, {} dropped",
      c.tun_packets, c.udp_datagrams, c.to_teredo_packets, c.to_native_packets,
      c.bubbles_direct_sent + c.bubbles_indirect_sent, c.icmpv6_errors_sent, c.peers_created, s.drops.total());
  append_drop_summary(out, s.drops);
  return out;
}

}  // namespace teredo::datapath
