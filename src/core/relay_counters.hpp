// SPDX-License-Identifier: GPL-2.0-or-later
// Relay packet counters (drops are counted separately, by reason) and their table.
#pragma once

#include <cstdint>
#include <span>

#include "core/counter_help.hpp"
#include "core/counters.hpp"

namespace teredo::core {

struct RelayCounters {
  std::uint64_t tun_packets = 0;  // read from the tunnel interface
  std::uint64_t tun_bytes = 0;
  std::uint64_t udp_datagrams = 0;  // received on the service socket
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
  std::uint64_t peers_given_up = 0;          // no answer to bubbles: entry and queue deleted
  std::uint64_t bubbles_nonce_verified = 0;  // answers from an unexpected endpoint, admitted by nonce
  std::uint64_t trailers_truncated = 0;
};

inline constexpr CounterField<RelayCounters> kRelayCounterFields[] = {
    {&RelayCounters::tun_packets,
     {"tun_packets", "received_packets", "interface", "tun", help::kReceivedPackets}},
    {&RelayCounters::tun_bytes, {"tun_bytes", "received_bytes", "interface", "tun", help::kReceivedBytes}},
    {&RelayCounters::udp_datagrams,
     {"udp_datagrams", "received_packets", "interface", "udp", help::kReceivedPackets}},
    {&RelayCounters::udp_bytes, {"udp_bytes", "received_bytes", "interface", "udp", help::kReceivedBytes}},
    {&RelayCounters::to_teredo_packets,
     {"to_teredo_packets", "forwarded_packets", "direction", "encapsulated", help::kForwardedPackets}},
    {&RelayCounters::to_teredo_bytes,
     {"to_teredo_bytes", "forwarded_bytes", "direction", "encapsulated", help::kForwardedBytes}},
    {&RelayCounters::to_native_packets,
     {"to_native_packets", "forwarded_packets", "direction", "decapsulated", help::kForwardedPackets}},
    {&RelayCounters::to_native_bytes,
     {"to_native_bytes", "forwarded_bytes", "direction", "decapsulated", help::kForwardedBytes}},
    {&RelayCounters::bubbles_direct_sent,
     {"bubbles_direct_sent", "bubbles_sent", "kind", "direct", help::kBubblesSent}},
    {&RelayCounters::bubbles_indirect_sent,
     {"bubbles_indirect_sent", "bubbles_sent", "kind", "indirect", help::kBubblesSent}},
    {&RelayCounters::bubbles_received,
     {"bubbles_received", "bubbles_received", "", "", help::kBubblesReceived}},
    {&RelayCounters::packets_queued,
     {"packets_queued", "queue_packets", "event", "queued", help::kQueuePackets}},
    {&RelayCounters::packets_flushed,
     {"packets_flushed", "queue_packets", "event", "flushed", help::kQueuePackets}},
    {&RelayCounters::icmpv6_errors_sent,
     {"icmpv6_errors_sent", "icmpv6_errors_sent", "", "", help::kIcmpv6Errors}},
    {&RelayCounters::peers_created, {"peers_created", "peer_events", "event", "created", help::kPeerEvents}},
    {&RelayCounters::peers_evicted, {"peers_evicted", "peer_events", "event", "evicted", help::kPeerEvents}},
    {&RelayCounters::peers_expired, {"peers_expired", "peer_events", "event", "expired", help::kPeerEvents}},
    {&RelayCounters::peers_given_up,
     {"peers_given_up", "peer_events", "event", "given_up", help::kPeerEvents}},
    {&RelayCounters::bubbles_nonce_verified,
     {"bubbles_nonce_verified", "nat_extension_events", "event", "nonce_verified",
      help::kNatExtensionEvents}},
    {&RelayCounters::trailers_truncated,
     {"trailers_truncated", "nat_extension_events", "event", "trailers_truncated",
      help::kNatExtensionEvents}},
};
static_assert(covers_every_member(kRelayCounterFields));

constexpr std::span<const CounterField<RelayCounters>> counter_fields(std::type_identity<RelayCounters>) {
  return kRelayCounterFields;
}

}  // namespace teredo::core
