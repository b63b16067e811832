// Actions that the client and relay cores ask their driver to perform. A core returns every
// action of a batch of events at once; views stay valid until the driver calls clear_actions().
#pragma once

#include <cstdint>
#include <variant>

#include "proto/bytes.hpp"
#include "proto/ipv4.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::core {

/// Send a UDP datagram from the service socket: `header` then `body` (scatter-gather).
struct SendUdp {
  proto::Endpoint to;
  proto::ByteView header;
  proto::ByteView body;
};

/// Write one IPv6 packet to the tunnel interface.
struct WriteTun {
  proto::ByteView packet;
};

/// Send an ICMPv6 error message (type, code, body: checksum left zero) to `to` through the raw
/// ICMPv6 socket; the kernel picks the source address of the interface that reaches `to`, as a
/// router does, and fills the checksum.
struct SendIcmpv6 {
  proto::Ipv6Addr to;
  proto::ByteView message;
};

using TunnelAction = std::variant<SendUdp, WriteTun, SendIcmpv6>;

}  // namespace teredo::core
