// SPDX-License-Identifier: GPL-2.0-or-later
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

/// Send a UDP datagram: `header` then `body` (scatter-gather), from the service socket
/// (`from_port` 0) or from the random-port socket `from_port` that an OpenPort opened.
struct SendUdp {
  proto::Endpoint to;
  proto::ByteView header;
  proto::ByteView body;
  std::uint16_t from_port = 0;
};

/// Open a UDP socket on the service socket's address and port `port` (RFC 6081 5.4, 5.5: a
/// random port per peer behind a port-preserving or sequential symmetric NAT). What it receives
/// goes to Client::on_udp_datagram with `local_port` = port. When the port cannot be bound the
/// driver calls Client::on_port_unavailable(port) (after carrying out the batch).
struct OpenPort {
  std::uint16_t port = 0;
};

/// Close the socket an OpenPort opened (its peer is trusted another way, forgotten or idle).
struct ClosePort {
  std::uint16_t port = 0;
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

/// What the client learned about its NAT after qualifying (RFC 4380 5.2.1, RFC 6081 5.4.1).
struct NatFindings {
  bool known = false;            // the secondary-address probe answered for the current mapping
  bool symmetric = false;        // and showed another mapping
  bool port_preserving = false;  // the primary server saw the service port unchanged
  bool operator==(const NatFindings&) const = default;
};

/// The client qualified (`qualification` set: a new address, or a new MTU), lost its server
/// (RFC 4380 5.2.1, 5.2.5), or learned its NAT's kind (`nat_only`: state and address unchanged).
/// Each one is the whole picture: the driver configures the interface (or runs the hook) unless
/// `nat_only`, and tells its other workers (Client::adopt), which take the latest one.
struct StateChange {
  ClientState state = ClientState::Down;
  std::optional<Qualification> qualification;
  NatFindings nat{};
  bool nat_only = false;
};

using TunnelAction = std::variant<SendUdp, WriteTun, SendIcmpv6, StateChange, OpenPort, ClosePort>;

}  // namespace teredo::core
