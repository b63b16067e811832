// Relay packet counters (drops are counted separately, by reason).
#pragma once

#include <cstdint>

namespace teredo::core {

struct RelayCounters {
  std::uint64_t tun_packets = 0;        // read from the tunnel interface
  std::uint64_t tun_bytes = 0;
  std::uint64_t udp_datagrams = 0;      // received on the service socket
  std::uint64_t udp_bytes = 0;
  std::uint64_t to_teredo_packets = 0;  // encapsulated to trusted peers (incl. flushed)
  std::uint64_t to_teredo_bytes = 0;
  std::uint64_t to_native_packets = 0;  // decapsulated and written to the tunnel
  std::uint64_t to_native_bytes = 0;
  std::uint64_t bubbles_direct_sent = 0;
  std::uint64_t bubbles_indirect_sent = 0;
  std::uint64_t bubbles_received = 0;
  std::uint64_t packets_queued = 0;
  std::uint64_t packets_flushed = 0;
  std::uint64_t icmpv6_errors_sent = 0;
  std::uint64_t peers_created = 0;
  std::uint64_t peers_evicted = 0;
  std::uint64_t peers_expired = 0;
  std::uint64_t peers_given_up = 0;     // no answer to bubbles: entry and queue deleted
};

}  // namespace teredo::core
