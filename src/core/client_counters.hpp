// SPDX-License-Identifier: GPL-2.0-or-later
// Client packet and qualification counters (drops are counted separately, by reason) and their table.
#pragma once

#include <cstdint>
#include <span>

#include "core/counter_help.hpp"
#include "core/counters.hpp"

namespace teredo::core {

struct ClientCounters {
  std::uint64_t tun_packets = 0;
  std::uint64_t tun_bytes = 0;
  std::uint64_t udp_datagrams = 0;
  std::uint64_t udp_bytes = 0;
  std::uint64_t sent_packets = 0;  // encapsulated data packets (incl. flushed)
  std::uint64_t sent_bytes = 0;
  std::uint64_t delivered_packets = 0;  // decapsulated and written to the tunnel
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
  // RFC 6081
  std::uint64_t bubbles_alternate_sent = 0;  // direct bubbles to a peer's alternate addresses
  std::uint64_t bubbles_nonce_verified = 0;  // direct bubbles from an unexpected endpoint, admitted by nonce
  std::uint64_t bubble_replies_limited = 0;  // answers withheld by the reply limit
  std::uint64_t trailers_truncated = 0;      // datagrams whose trailers ended in a truncated one
  std::uint64_t symmetric_nat_offline = 0;   // symmetric NAT found with SymmetricNatSupport off
  std::uint64_t secondary_probe_failures = 0;  // the server's second address never answered the NAT test
  std::uint64_t nd_solicitations_sent = 0;     // RFC 6081 3.6: direct bubbles re-checking a quiet peer
  std::uint64_t nd_advertisements_sent = 0;    // answers to a peer's solicitation
  // RFC 4380 5.2.8 local discovery
  std::uint64_t discovery_bubbles_sent = 0;      // to 224.0.0.253
  std::uint64_t discovery_bubbles_received = 0;  // accepted from a client on our link
  std::uint64_t local_bubbles_sent = 0;          // unicast bubbles to a local peer's local address
  std::uint64_t local_peers_verified = 0;        // local peers trusted at their local address (rule 5)
  // RFC 4380 5.2.2 secure qualification
  std::uint64_t key_renewals_requested = 0;  // authenticated RAs with a non-zero confirmation
  // RFC 6081 3.3 / 3.4: random ports behind port-preserving and sequential symmetric NATs
  std::uint64_t random_ports_opened = 0;            // OpenPort asked for a peer
  std::uint64_t random_port_failures = 0;           // the driver could not open one, or the table was full
  std::uint64_t random_port_trailers_received = 0;  // a peer's Random Port learned or changed
  std::uint64_t random_port_bubbles_sent = 0;       // bubbles sent from a random port
  std::uint64_t peer_refreshes_sent = 0;            // 5.4.6 Peer Refresh Timer bubbles
  std::uint64_t echo_tests_sent = 0;                // 5.5 echo tests (two RS and a bubble each)
  std::uint64_t ports_predicted = 0;                // echo tests that predicted the NAT's port
};

namespace help {
inline constexpr std::string_view kRsSent = "Router Solicitations sent to the Teredo server (RFC 4380 5.2.1)";
inline constexpr std::string_view kRaReceived =
    "Router Advertisements received from the Teredo server, by result (accepted; rejected: wrong nonce, "
    "prefix or origin indication)";
inline constexpr std::string_view kQualifications = "Times the client qualified after probing or being down";
inline constexpr std::string_view kAddressChanges = "Times the client's Teredo address changed";
inline constexpr std::string_view kServerLosses =
    "Times the server stopped answering and the client went down";
inline constexpr std::string_view kFailovers = "Times the client switched to the server's secondary address";
inline constexpr std::string_view kConnectivityTests =
    "Direct IPv6 connectivity tests sent to find the relay of a native peer (RFC 4380 5.2.9)";
inline constexpr std::string_view kRelaysVerified = "Native peers whose relay answered a connectivity test";
inline constexpr std::string_view kSecondaryProbeFailures =
    "NAT tests through the server's second address that got no answer after 3 Router Solicitations";
inline constexpr std::string_view kKeyRenewals =
    "Authenticated Router Advertisements whose confirmation asked for a new client key (RFC 4380 5.2.2)";
inline constexpr std::string_view kLocalDiscoveryEvents =
    "Local client discovery (RFC 4380 5.2.8), by event: discovery bubbles accepted from a client on our "
    "link, local peers trusted at their local address";
}  // namespace help

inline constexpr CounterField<ClientCounters> kClientCounterFields[] = {
    {&ClientCounters::tun_packets,
     {"tun_packets", "received_packets", "interface", "tun", help::kReceivedPackets}},
    {&ClientCounters::tun_bytes, {"tun_bytes", "received_bytes", "interface", "tun", help::kReceivedBytes}},
    {&ClientCounters::udp_datagrams,
     {"udp_datagrams", "received_packets", "interface", "udp", help::kReceivedPackets}},
    {&ClientCounters::udp_bytes, {"udp_bytes", "received_bytes", "interface", "udp", help::kReceivedBytes}},
    {&ClientCounters::sent_packets,
     {"sent_packets", "forwarded_packets", "direction", "encapsulated", help::kForwardedPackets}},
    {&ClientCounters::sent_bytes,
     {"sent_bytes", "forwarded_bytes", "direction", "encapsulated", help::kForwardedBytes}},
    {&ClientCounters::delivered_packets,
     {"delivered_packets", "forwarded_packets", "direction", "decapsulated", help::kForwardedPackets}},
    {&ClientCounters::delivered_bytes,
     {"delivered_bytes", "forwarded_bytes", "direction", "decapsulated", help::kForwardedBytes}},
    {&ClientCounters::rs_sent, {"rs_sent", "router_solicitations_sent", "", "", help::kRsSent}},
    {&ClientCounters::ra_accepted,
     {"ra_accepted", "router_advertisements_received", "result", "accepted", help::kRaReceived}},
    {&ClientCounters::ra_rejected,
     {"ra_rejected", "router_advertisements_received", "result", "rejected", help::kRaReceived}},
    {&ClientCounters::qualifications, {"qualifications", "qualifications", "", "", help::kQualifications}},
    {&ClientCounters::address_changes, {"address_changes", "address_changes", "", "", help::kAddressChanges}},
    {&ClientCounters::server_losses, {"server_losses", "server_losses", "", "", help::kServerLosses}},
    {&ClientCounters::failovers, {"failovers", "server_failovers", "", "", help::kFailovers}},
    {&ClientCounters::bubbles_direct_sent,
     {"bubbles_direct_sent", "bubbles_sent", "kind", "direct", help::kBubblesSent}},
    {&ClientCounters::bubbles_indirect_sent,
     {"bubbles_indirect_sent", "bubbles_sent", "kind", "indirect", help::kBubblesSent}},
    {&ClientCounters::bubbles_received,
     {"bubbles_received", "bubbles_received", "", "", help::kBubblesReceived}},
    {&ClientCounters::bubble_replies_sent,
     {"bubble_replies_sent", "bubbles_sent", "kind", "reply", help::kBubblesSent}},
    {&ClientCounters::connectivity_tests_sent,
     {"connectivity_tests_sent", "connectivity_tests_sent", "", "", help::kConnectivityTests}},
    {&ClientCounters::relays_verified, {"relays_verified", "relays_verified", "", "", help::kRelaysVerified}},
    {&ClientCounters::packets_queued,
     {"packets_queued", "queue_packets", "event", "queued", help::kQueuePackets}},
    {&ClientCounters::packets_flushed,
     {"packets_flushed", "queue_packets", "event", "flushed", help::kQueuePackets}},
    {&ClientCounters::icmpv6_errors_sent,
     {"icmpv6_errors_sent", "icmpv6_errors_sent", "", "", help::kIcmpv6Errors}},
    {&ClientCounters::peers_given_up,
     {"peers_given_up", "peer_events", "event", "given_up", help::kPeerEvents}},
    {&ClientCounters::bubbles_alternate_sent,
     {"bubbles_alternate_sent", "bubbles_sent", "kind", "alternate", help::kBubblesSent}},
    {&ClientCounters::bubbles_nonce_verified,
     {"bubbles_nonce_verified", "nat_extension_events", "event", "nonce_verified",
      help::kNatExtensionEvents}},
    {&ClientCounters::bubble_replies_limited,
     {"bubble_replies_limited", "nat_extension_events", "event", "reply_limited", help::kNatExtensionEvents}},
    {&ClientCounters::trailers_truncated,
     {"trailers_truncated", "nat_extension_events", "event", "trailers_truncated",
      help::kNatExtensionEvents}},
    {&ClientCounters::nd_solicitations_sent,
     {"nd_solicitations_sent", "bubbles_sent", "kind", "nd_solicitation", help::kBubblesSent}},
    {&ClientCounters::nd_advertisements_sent,
     {"nd_advertisements_sent", "bubbles_sent", "kind", "nd_advertisement", help::kBubblesSent}},
    {&ClientCounters::secondary_probe_failures,
     {"secondary_probe_failures", "secondary_probe_failures", "", "", help::kSecondaryProbeFailures}},
    {&ClientCounters::symmetric_nat_offline,
     {"symmetric_nat_offline", "nat_extension_events", "event", "symmetric_offline",
      help::kNatExtensionEvents}},
    {&ClientCounters::discovery_bubbles_sent,
     {"discovery_bubbles_sent", "bubbles_sent", "kind", "discovery", help::kBubblesSent}},
    {&ClientCounters::discovery_bubbles_received,
     {"discovery_bubbles_received", "local_discovery_events", "event", "discovery_received",
      help::kLocalDiscoveryEvents}},
    {&ClientCounters::local_bubbles_sent,
     {"local_bubbles_sent", "bubbles_sent", "kind", "local", help::kBubblesSent}},
    {&ClientCounters::local_peers_verified,
     {"local_peers_verified", "local_discovery_events", "event", "local_peer_verified",
      help::kLocalDiscoveryEvents}},
    {&ClientCounters::key_renewals_requested,
     {"key_renewals_requested", "key_renewals_requested", "", "", help::kKeyRenewals}},
    {&ClientCounters::random_ports_opened,
     {"random_ports_opened", "nat_extension_events", "event", "random_port_opened",
      help::kNatExtensionEvents}},
    {&ClientCounters::random_port_failures,
     {"random_port_failures", "nat_extension_events", "event", "random_port_failed",
      help::kNatExtensionEvents}},
    {&ClientCounters::random_port_trailers_received,
     {"random_port_trailers_received", "nat_extension_events", "event", "peer_random_port",
      help::kNatExtensionEvents}},
    {&ClientCounters::random_port_bubbles_sent,
     {"random_port_bubbles_sent", "bubbles_sent", "kind", "random_port", help::kBubblesSent}},
    {&ClientCounters::peer_refreshes_sent,
     {"peer_refreshes_sent", "bubbles_sent", "kind", "peer_refresh", help::kBubblesSent}},
    {&ClientCounters::echo_tests_sent,
     {"echo_tests_sent", "nat_extension_events", "event", "echo_test", help::kNatExtensionEvents}},
    {&ClientCounters::ports_predicted,
     {"ports_predicted", "nat_extension_events", "event", "port_predicted", help::kNatExtensionEvents}},
};
static_assert(covers_every_member(kClientCounterFields));

constexpr std::span<const CounterField<ClientCounters>> counter_fields(std::type_identity<ClientCounters>) {
  return kClientCounterFields;
}

}  // namespace teredo::core
