// SPDX-License-Identifier: GPL-2.0-or-later
// The Teredo server state machine (RFC 4380 5.3, RFC 5991 3.2). Stateless per client: every
// decision is made from the datagram in hand. No I/O: the driver feeds datagrams in and carries
// out the returned action.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>

#include <vector>

#include "core/authentication.hpp"
#include "core/keyed_hash.hpp"
#include "core/rate_limit_table.hpp"
#include "core/server_counters.hpp"
#include "core/time.hpp"
#include "proto/bytes.hpp"
#include "proto/drop.hpp"
#include "proto/encapsulation.hpp"
#include "proto/ipv4.hpp"
#include "proto/ipv6_address.hpp"
#include "proto/result.hpp"
#include "proto/teredo_address.hpp"

namespace teredo::core {

/// Which of the server's two UDP sockets (primary or secondary IPv4, port 3544).
enum class ServerSocket : std::uint8_t { Primary = 0, Secondary = 1 };

struct ServerConfig {
  proto::Ipv4Addr primary;
  proto::Ipv4Addr secondary;
  std::uint32_t prefix = proto::kTeredoPrefix;  // first 32 bits of the advertised prefix
  std::uint32_t mtu = 1280;                     // advertised in the RA MTU option
  /// Secure qualification (RFC 4380 5.2.2, 5.3.2; ClientKeysFile): an RS with a client identifier
  /// is answered only when its authentication value is right under one of that client's keys,
  /// and the RA is authenticated with the same key (confirmation 1 for a retiring key). `mac`
  /// computes the HMACs (needed when `keys` is not empty).
  std::vector<ClientKey> keys;
  const MacFunction* mac = nullptr;
  /// RequireAuthentication: an RS without a client identifier is dropped.
  bool require_authentication = false;
  /// Token buckets (rate per second, burst twice the rate; 0: off). What the server sends (an RA,
  /// a bounced datagram) counts against its IPv4 destination; what it answers or forwards against
  /// the /24 of the datagram's source. Each worker keeps its own buckets.
  std::uint32_t destination_rate = kDefaultDestinationRate;
  std::uint32_t source_rate = kDefaultSourceRate;
  /// The buckets' secret (rate_limit_table.hpp), drawn by the driver.
  HashKey limit_key{};

  static constexpr std::uint32_t kDefaultDestinationRate = 200;
  static constexpr std::uint32_t kDefaultSourceRate = 2000;
};

/// A configuration without secure qualification.
inline ServerConfig server_config(proto::Ipv4Addr primary, proto::Ipv4Addr secondary,
                                  std::uint32_t prefix = proto::kTeredoPrefix, std::uint32_t mtu = 1280) {
  ServerConfig c;
  c.primary = primary;
  c.secondary = secondary;
  c.prefix = prefix;
  c.mtu = mtu;
  return c;
}

/// Send a UDP datagram from one of the server's sockets. The payload is `header` followed by
/// `body` (scatter-gather: body usually views the received datagram, header the output buffer).
struct ServerSendUdp {
  ServerSocket from = ServerSocket::Primary;
  proto::Endpoint to;
  proto::ByteView header;
  proto::ByteView body;
};

/// Send a native IPv6 packet (complete, header included) through the raw IPv6 socket.
struct SendIpv6 {
  proto::ByteView packet;
};

using ServerAction = std::variant<ServerSendUdp, SendIpv6>;

/// Minimum size of the `out` buffer passed to on_datagram.
inline constexpr std::size_t kServerOutputSize = 512;  // an RA with a 255-byte client identifier fits

/// One Teredo server instance. Cheap; the driver keeps one per worker thread. Not thread-safe.
class Server {
 public:
  explicit Server(const ServerConfig& config);

  /// Handles one datagram received on socket `on` from `from`. On success the returned action
  /// views `payload` and/or `out` (at least kServerOutputSize bytes), so the driver must carry it
  /// out before reusing either. On a drop the reason is returned and already counted.
  proto::Result<ServerAction> on_datagram(ServerSocket on, proto::Endpoint from, proto::ByteView payload,
                                          proto::MutableBytes out, TimePoint now);

  const ServerConfig& config() const { return config_; }
  const proto::DropCounters& drops() const { return drops_; }
  const ServerCounters& counters() const { return counters_; }

 private:
  proto::Result<ServerAction> handle(ServerSocket on, proto::Endpoint from, proto::ByteView payload,
                                     proto::MutableBytes out, TimePoint now);
  /// The token buckets of an answer or forward from `from` to `to` (nullopt: native, no IPv4
  /// destination): the drop when one is empty.
  std::optional<proto::Drop> over_limit(proto::Ipv4Addr from, std::optional<proto::Ipv4Addr> to,
                                        TimePoint now);
  proto::Result<ServerAction> answer_router_solicitation(ServerSocket on, proto::Endpoint from,
                                                         const proto::Ipv6Addr& rs_source,
                                                         const std::optional<proto::AuthHeader>& auth,
                                                         const ClientKey* key, proto::MutableBytes out);
  /// The key that authenticates an RS with a client identifier, or the drop.
  proto::Result<const ClientKey*> key_for(const proto::TeredoPacket& pkt) const;

  ServerConfig config_;
  proto::Ipv6Addr link_local_;
  RateLimitTable by_destination_;
  RateLimitTable by_source_;
  proto::DropCounters drops_;
  ServerCounters counters_;
};

}  // namespace teredo::core
