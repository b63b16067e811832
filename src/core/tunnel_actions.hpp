// Actions that the client and relay cores ask their driver to perform. A core returns every
// action of a batch of events at once; views stay valid until the driver calls clear_actions().
// Only the client reports state changes.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>

#include "proto/bytes.hpp"
#include "proto/ipv4.hpp"
#include "proto/ipv6_address.hpp"
#include "proto/teredo_address.hpp"

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

enum class ClientState : std::uint8_t { Probing, Qualified, Down };

/// What the client knows once qualified.
struct Qualification {
  proto::Ipv6Addr address;
  proto::Ipv4Addr server;  // the server field of the address (from the RA prefix)
  proto::Endpoint mapped;  // from the origin indication
  std::uint16_t flags = 0;
  std::uint32_t mtu = 1280;
  std::uint32_t prefix = proto::kTeredoPrefix;
};

/// The client qualified (`qualification` set: a new address, or a new MTU) or lost its server
/// (RFC 4380 5.2.1, 5.2.5). The driver configures the interface (or runs the hook) and tells its
/// other workers (Client::adopt).
struct StateChange {
  ClientState state = ClientState::Down;
  std::optional<Qualification> qualification;
};

using TunnelAction = std::variant<SendUdp, WriteTun, SendIcmpv6, StateChange>;

}  // namespace teredo::core
