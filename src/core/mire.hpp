// SPDX-License-Identifier: GPL-2.0-or-later
// teredo-mire's responder (Miredo's Teredo test responder, miredo-behaviour.md 1.4): stateless.
// Port 3544 answers every bubble with a bubble from port 3545, addresses swapped; port 3545
// answers an Echo Request with an Echo Reply and a packet of an unknown next header with
// Parameter Problem (code 1, pointer 6). A Teredo peer that pings the responder's address
// (server = mapped = its IPv4, port 3545) thus sees the whole client procedure: the bubble to
// the "server" comes back from the "mapping", then the echo works. No I/O: datagrams in, replies out.
#pragma once

#include <cstdint>
#include <optional>

#include "proto/bytes.hpp"
#include "proto/drop.hpp"
#include "proto/ipv4.hpp"
#include "proto/result.hpp"

namespace teredo::core {

inline constexpr std::uint16_t kMireEchoPort = 3545;

enum class MirePort : std::uint8_t { Bubbles /* 3544 */, Echo /* 3545 */ };

/// A datagram to send from the Echo port (3545) to `to`; `payload` views the caller's buffer.
struct MireReply {
  proto::Endpoint to;
  proto::ByteView payload;
};

struct MireCounters {
  std::uint64_t received = 0;
  std::uint64_t bubbles_answered = 0;
  std::uint64_t echo_replies = 0;
  std::uint64_t parameter_problems = 0;
};

/// Largest reply: an ICMPv6 error fits the 1280-byte minimum MTU; an echo reply is no larger
/// than the request (at most a UDP payload).
inline constexpr std::size_t kMireOutputSize = 65536;

class Mire {
 public:
  /// A reply, or the reason for none (the datagram is a counted drop). `out` holds the reply.
  proto::Result<MireReply> on_datagram(MirePort on, proto::Endpoint from, proto::ByteView payload,
                                       proto::MutableBytes out);

  const MireCounters& counters() const { return counters_; }
  const proto::DropCounters& drops() const { return drops_; }

 private:
  proto::Result<MireReply> handle(MirePort on, proto::Endpoint from, proto::ByteView payload,
                                  proto::MutableBytes out);
  MireCounters counters_;
  proto::DropCounters drops_;
};

}  // namespace teredo::core
