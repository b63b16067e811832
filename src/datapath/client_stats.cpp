// Text forms of client statistics.
#include "datapath/client_stats.hpp"

#include <fmt/core.h>

#include "datapath/counter_sum.hpp"
#include "datapath/drop_text.hpp"

namespace teredo::datapath {

ClientStats collect_client_stats(const core::Client& client, const proto::DropCounters& driver_drops,
                                 std::uint64_t handed_off, std::uint64_t taken_over) {
  ClientStats s;
  s.handed_off = handed_off;
  s.taken_over = taken_over;
  s.counters = client.counters();
  s.drops = client.drops();
  s.drops += driver_drops;
  s.state = client.state();
  s.peers = client.peers().size();
  s.queued_packets = client.queue().packets_queued();
  return s;
}

ClientStats& operator+=(ClientStats& a, const ClientStats& b) {
  add_counters(a.counters, b.counters);
  a.drops += b.drops;
  a.peers += b.peers;
  a.queued_packets += b.queued_packets;
  a.handed_off += b.handed_off;
  a.taken_over += b.taken_over;
  return a;
}

std::string format_client_stats(const ClientStats& s) {
  const core::ClientCounters& c = s.counters;
  std::string out = fmt::format(
      "tun_packets {}\ntun_bytes {}\nudp_datagrams {}\nudp_bytes {}\nsent_packets {}\nsent_bytes {}\n"
      "delivered_packets {}\ndelivered_bytes {}\nrs_sent {}\nra_accepted {}\nra_rejected {}\nqualifications {}\n"
      "address_changes {}\nserver_losses {}\nfailovers {}\nbubbles_direct_sent {}\nbubbles_indirect_sent {}\n"
      "bubbles_received {}\nbubble_replies_sent {}\nconnectivity_tests_sent {}\nrelays_verified {}\n"
      "packets_queued {}\npackets_flushed {}\nicmpv6_errors_sent {}\npeers_given_up {}\n",
      c.tun_packets, c.tun_bytes, c.udp_datagrams, c.udp_bytes, c.sent_packets, c.sent_bytes, c.delivered_packets,
      c.delivered_bytes, c.rs_sent, c.ra_accepted, c.ra_rejected, c.qualifications, c.address_changes,
      c.server_losses, c.failovers, c.bubbles_direct_sent, c.bubbles_indirect_sent, c.bubbles_received,
      c.bubble_replies_sent, c.connectivity_tests_sent, c.relays_verified, c.packets_queued, c.packets_flushed,
      c.icmpv6_errors_sent, c.peers_given_up);
  out += fmt::format("state {}\n", static_cast<unsigned>(s.state));
  append_drop_lines(out, s.drops);
  out += fmt::format("drops_total {}\npeers {}\nqueued_packets {}\nhanded_off {}\ntaken_over {}\n", s.drops.total(),
                     s.peers, s.queued_packets, s.handed_off, s.taken_over);
  return out;
}

std::string summarize_client_stats(const ClientStats& s) {
  const core::ClientCounters& c = s.counters;
  std::string out = fmt::format(
      "{} packets from the tunnel, {} datagrams received, {} encapsulated, {} decapsulated, {} RS sent, "
      "{} qualifications, {} server losses, {} bubbles sent, {} dropped",
      c.tun_packets, c.udp_datagrams, c.sent_packets, c.delivered_packets, c.rs_sent, c.qualifications,
      c.server_losses, c.bubbles_direct_sent + c.bubbles_indirect_sent, s.drops.total());
  append_drop_summary(out, s.drops);
  return out;
}

}  // namespace teredo::datapath
