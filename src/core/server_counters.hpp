// SPDX-License-Identifier: GPL-2.0-or-later
// Teredo server counters (drops are counted separately, by reason) and their table.
#pragma once

#include <cstdint>
#include <span>

#include "core/counter_help.hpp"
#include "core/counters.hpp"

namespace teredo::core {

/// Packet counters other than drops. Plain integers; one instance per worker.
struct ServerCounters {
  std::uint64_t received = 0;
  std::uint64_t router_solicitations = 0;
  std::uint64_t router_advertisements = 0;
  std::uint64_t forwarded_teredo = 0;  // bubbles and ICMPv6 relayed over UDP to Teredo clients
  std::uint64_t forwarded_native = 0;  // relayed to native IPv6 hosts through the raw socket
  std::uint64_t bubbles_forwarded = 0;
  std::uint64_t echo_forwarded = 0;
  std::uint64_t authenticated_solicitations = 0;  // secure qualification: RSs with a valid value
  std::uint64_t key_renewals_requested = 0;       // RAs with confirmation 1 (a retiring key)
};

namespace help {
inline constexpr std::string_view kRsReceived = "Router Solicitations received from Teredo clients";
inline constexpr std::string_view kRaSent = "Router Advertisements sent to Teredo clients (RFC 4380 5.3.1)";
inline constexpr std::string_view kServerRelayed =
    "Packets a server relayed for its clients, by destination (teredo: to a Teredo client over UDP; native: "
    "to a native IPv6 host)";
inline constexpr std::string_view kServerRelayedBubbles = "Bubbles a server relayed to a Teredo client";
inline constexpr std::string_view kServerRelayedEcho =
    "ICMPv6 messages other than bubbles a server relayed to a native IPv6 host";
inline constexpr std::string_view kSecureQualification =
    "Secure qualification (RFC 4380 5.2.2), by event: Router Solicitations authenticated with a client key, "
    "Router Advertisements asking a client to renew its key";
}  // namespace help

inline constexpr CounterField<ServerCounters> kServerCounterFields[] = {
    {&ServerCounters::received, {"received", "received_packets", "interface", "udp", help::kReceivedPackets}},
    {&ServerCounters::router_solicitations,
     {"router_solicitations", "router_solicitations_received", "", "", help::kRsReceived}},
    {&ServerCounters::router_advertisements,
     {"router_advertisements", "router_advertisements_sent", "", "", help::kRaSent}},
    {&ServerCounters::forwarded_teredo,
     {"forwarded_teredo", "server_relayed_packets", "destination", "teredo", help::kServerRelayed}},
    {&ServerCounters::forwarded_native,
     {"forwarded_native", "server_relayed_packets", "destination", "native", help::kServerRelayed}},
    {&ServerCounters::bubbles_forwarded,
     {"bubbles_forwarded", "server_relayed_bubbles", "", "", help::kServerRelayedBubbles}},
    {&ServerCounters::echo_forwarded,
     {"echo_forwarded", "server_relayed_echo", "", "", help::kServerRelayedEcho}},
    {&ServerCounters::authenticated_solicitations,
     {"authenticated_solicitations", "secure_qualification_events", "event", "authenticated",
      help::kSecureQualification}},
    {&ServerCounters::key_renewals_requested,
     {"key_renewals_requested", "secure_qualification_events", "event", "renewal_requested",
      help::kSecureQualification}},
};
static_assert(covers_every_member(kServerCounterFields));

constexpr std::span<const CounterField<ServerCounters>> counter_fields(std::type_identity<ServerCounters>) {
  return kServerCounterFields;
}

}  // namespace teredo::core
