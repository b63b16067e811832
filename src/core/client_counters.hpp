// Client packet and qualification counters (drops are counted separately, by reason).
#pragma once

#include <cstdint>

namespace teredo::core {

struct ClientCounters {
  std::uint64_t tun_packets = 0;
  std::uint64_t tun_bytes = 0;
  std::uint64_t udp_datagrams = 0;
  std::uint64_t udp_bytes = 0;
  std::uint64_t sent_packets = 0;        // encapsulated data packets (incl. flushed)
  std::uint64_t sent_bytes = 0;
  std::uint64_t delivered_packets = 0;   // decapsulated and written to the tunnel
  std::uint64_t delivered_bytes = 0;
  std::uint64_t rs_sent = 0;
  std::uint64_t ra_accepted = 0;
  std::uint64_t ra_rejected = 0;
  std::uint64_t qualifications = 0;
  std::uint64_t address_changes = 0;
  std::uint64_t server_losses = 0;
  std::uint64_t failovers = 0;
  std::uint64_t bubbles_direct_sent = 0;
  std::uint64_t bubbles_indirect_sent = 0;
  std::uint64_t bubbles_received = 0;
  std::uint64_t bubble_replies_sent = 0;
  std::uint64_t connectivity_tests_sent = 0;
  std::uint64_t relays_verified = 0;
  std::uint64_t packets_queued = 0;
  std::uint64_t packets_flushed = 0;
  std::uint64_t icmpv6_errors_sent = 0;
  std::uint64_t peers_given_up = 0;
};

}  // namespace teredo::core
