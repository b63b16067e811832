// SPDX-License-Identifier: GPL-2.0-or-later
// The HELP text of the counter families that more than one role reports (one name per quantity,
// labels for the dimension): the tables of the relay, client and server counters and of the
// data path share these.
#pragma once

#include <string_view>

namespace teredo::core::help {

inline constexpr std::string_view kReceivedPackets =
    "Packets received, by interface (tun: IPv6 packets read from the tunnel interface; udp: UDP datagrams "
    "received on the Teredo socket)";
inline constexpr std::string_view kReceivedBytes =
    "Bytes received, by interface (tun: IPv6 packets read from the tunnel interface; udp: UDP payloads "
    "received on the Teredo socket)";
inline constexpr std::string_view kForwardedPackets =
    "IPv6 data packets forwarded, by direction (encapsulated: sent to a Teredo peer or relay over UDP; "
    "decapsulated: written to the tunnel interface); packets held while a path opened included";
inline constexpr std::string_view kForwardedBytes =
    "Bytes of IPv6 data packets forwarded, by direction (encapsulated: sent over UDP; decapsulated: "
    "written to the tunnel interface), IPv6 header included";
inline constexpr std::string_view kBubblesSent =
    "Teredo bubbles sent, by kind (direct: to the peer's mapped address; indirect: through the peer's "
    "server; reply: answering a peer's bubble)";
inline constexpr std::string_view kBubblesReceived = "Teredo bubbles received";
inline constexpr std::string_view kQueuePackets =
    "Packets held while a path to a peer opens, by event (queued: held; flushed: sent once the path opened)";
inline constexpr std::string_view kIcmpv6Errors = "ICMPv6 error messages sent";
inline constexpr std::string_view kNatExtensionEvents =
    "RFC 6081 events, by kind: bubbles from an unexpected endpoint admitted by their nonce, answers "
    "withheld by the reply limit, truncated trailers, symmetric NATs that took the client off-line";
inline constexpr std::string_view kPeerEvents =
    "Peer table events (created; evicted: removed to make room; expired: idle for 30 s; given_up: no "
    "answer to bubbles, entry and queue deleted)";

}  // namespace teredo::core::help
