// SPDX-License-Identifier: GPL-2.0-or-later
// Drop reasons: every packet that teredod discards is counted under exactly one of these names.
// A drop is not an error; it is an outcome of parsing or policy (architecture.md 7.4).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace teredo::proto {

/// Payload-free reason for discarding a packet. The names are part of the statistics interface:
/// append new values before kCount and give each a name in kDropNames.
enum class Drop : std::uint8_t {
  // Teredo encapsulation (RFC 4380 5.1.1, 5.2.3)
  DatagramTooShort,
  TruncatedAuthHeader,
  TruncatedOriginIndication,
  NotIpv6,
  TruncatedIpv6Header,
  Ipv6PayloadTruncated,
  // ICMPv6 / Neighbor Discovery (RFC 4861, 4443)
  NotIcmpv6,
  TruncatedIcmpv6,
  BadIcmpv6Checksum,
  BadIcmpv6Code,
  NotRouterSolicitation,
  NotRouterAdvertisement,
  BadHopLimit,
  BadNdOption,
  NotEcho,
  // Server policy (RFC 4380 5.3.1)
  NotBubbleOrIcmpv6,
  NonGlobalSource,
  OwnAddressLoop,
  SourceMappingMismatch,
  ForeignClientDestination,
  UnexpectedLocalDestination,
  NonGlobalDestination,
  NonGlobalMappedDestination,
  OversizedIcmpv6,
  SendFailed,
  // Relay and client data path (RFC 4380 5.2.3, 5.2.4, 5.4)
  NotTeredoDestination,
  MulticastDestination,
  NonGlobalTeredoServer,
  PacketTooBig,
  QueueFull,
  PeerTableFull,
  PeerUnreachable,
  SourceNotTeredo,
  TeredoToTeredo,
  BubbleConsumed,
  // Client qualification and reception (RFC 4380 5.2.1, 5.2.3)
  RaFromWrongSource,
  RaNonceMismatch,
  RaMissingOrigin,
  RaBadPrefix,
  RaAuthenticationFailed,
  RaWrongDestination,
  LinkLocalSource,
  NotQualified,
  UnexpectedFromServer,
  NotOurAddress,
  NonTeredoSource,
  // Offloads (super-packets from the tunnel interface)
  UnsupportedOffload,
  // Several workers: the ring to the worker that owns the peer was full
  HandoffFull,
  // RFC 6081 trailers (6081 4, 5.1.2) and the extensions that use them
  UnknownMandatoryTrailer,
  BadTrailerLength,
  BadTrailerValue,
  BadAlternateAddress,
  DuplicateTrailer,
  BubbleNonceMismatch,
  // Client qualification: the RA checks of RFC 4380 5.2.1 not covered above
  RaNotLinkLocalSource,
  RaForeignPrefix,
  // The client's connectivity tests triggered by incoming native packets (CVE-2006-6266)
  ConnectivityTestLimited,
  // Relay: a decapsulated destination outside ServedPrefixes (RFC 4380 5.4.2)
  OutsideServedPrefixes,
  // Client local discovery (RFC 4380 5.2.8): a malformed discovery bubble, one from off our subnet
  BadDiscoveryBubble,
  DiscoveryNotOnLink,
  // Secure qualification (RFC 4380 5.2.2, 5.3.1): the server's RS checks
  RsAuthenticationRequired,
  RsUnknownClient,
  RsAuthenticationFailed,
  // RFC 6081 3.3 / 3.4: a datagram on a random port that no peer holds, or from another peer
  RandomPortUnknown,
  RandomPortWrongPeer,
  // Server token buckets: the source's /24 or the IPv4 destination of an answer or forward is over
  // its rate (SourceRateLimit, DestinationRateLimit)
  RateLimitedSource,
  RateLimitedDestination,
  kCount
};

inline constexpr std::size_t kDropCount = static_cast<std::size_t>(Drop::kCount);

/// Stable snake_case names, used in logs, statistics and tests.
inline constexpr std::array<std::string_view, kDropCount> kDropNames = {
    "datagram_too_short",
    "truncated_auth_header",
    "truncated_origin_indication",
    "not_ipv6",
    "truncated_ipv6_header",
    "ipv6_payload_truncated",
    "not_icmpv6",
    "truncated_icmpv6",
    "bad_icmpv6_checksum",
    "bad_icmpv6_code",
    "not_router_solicitation",
    "not_router_advertisement",
    "bad_hop_limit",
    "bad_nd_option",
    "not_echo",
    "not_bubble_or_icmpv6",
    "non_global_source",
    "own_address_loop",
    "source_mapping_mismatch",
    "foreign_client_destination",
    "unexpected_local_destination",
    "non_global_destination",
    "non_global_mapped_destination",
    "oversized_icmpv6",
    "send_failed",
    "not_teredo_destination",
    "multicast_destination",
    "non_global_teredo_server",
    "packet_too_big",
    "queue_full",
    "peer_table_full",
    "peer_unreachable",
    "source_not_teredo",
    "teredo_to_teredo",
    "bubble_consumed",
    "ra_from_wrong_source",
    "ra_nonce_mismatch",
    "ra_missing_origin",
    "ra_bad_prefix",
    "ra_authentication_failed",
    "ra_wrong_destination",
    "link_local_source",
    "not_qualified",
    "unexpected_from_server",
    "not_our_address",
    "non_teredo_source",
    "unsupported_offload",
    "handoff_full",
    "unknown_mandatory_trailer",
    "bad_trailer_length",
    "bad_trailer_value",
    "bad_alternate_address",
    "duplicate_trailer",
    "bubble_nonce_mismatch",
    "ra_not_link_local_source",
    "ra_foreign_prefix",
    "connectivity_test_limited",
    "outside_served_prefixes",
    "bad_discovery_bubble",
    "discovery_not_on_link",
    "rs_authentication_required",
    "rs_unknown_client",
    "rs_authentication_failed",
    "random_port_unknown",
    "random_port_wrong_peer",
    "rate_limited_source",
    "rate_limited_destination",
};

constexpr std::string_view to_string(Drop d) {
  auto i = static_cast<std::size_t>(d);
  return i < kDropCount ? kDropNames[i] : std::string_view{"unknown"};
}

/// Per-reason drop counters. Plain integers: each owner (one per worker) has its own and the
/// driver sums them; not thread-safe.
struct DropCounters {
  std::array<std::uint64_t, kDropCount> count{};
  void add(Drop d) { ++count[static_cast<std::size_t>(d)]; }
  std::uint64_t operator[](Drop d) const { return count[static_cast<std::size_t>(d)]; }
  DropCounters& operator+=(const DropCounters& o) {
    for (std::size_t i = 0; i < kDropCount; ++i) count[i] += o.count[i];
    return *this;
  }
  std::uint64_t total() const {
    std::uint64_t t = 0;
    for (auto c : count) t += c;
    return t;
  }
};

}  // namespace teredo::proto
