// SPDX-License-Identifier: GPL-2.0-or-later
// teredo-mire: bubble and echo answers, Parameter Problem for unknown next headers (miredo-behaviour.md 1.4).
#include "core/mire.hpp"

#include "proto/checksum.hpp"
#include "proto/echo.hpp"
#include "proto/encapsulation.hpp"
#include "proto/icmpv6_error.hpp"
#include "proto/ipv6.hpp"
#include "proto/teredo_address.hpp"

namespace teredo::core {

namespace {

constexpr std::uint8_t kHopLimit = 255;
constexpr std::uint8_t kUnrecognizedNextHeader = 1;  // RFC 4443 3.4 code 1
constexpr std::uint32_t kNextHeaderPointer = 6;      // offset of Next Header in the IPv6 header
constexpr std::uint8_t kNextHeaderRouting = 43;

/// The responder's own address: a Teredo address whose server field is its mapped IPv4 and
/// whose mapped port is 3545 (prefix and flags are not checked, as in Miredo).
bool addressed_to_mire(const proto::Ipv6Addr& dst) {
  const proto::TeredoAddress t = proto::parse_teredo_address(dst);
  return t.server == t.mapped.addr && t.mapped.port == kMireEchoPort;
}

}  // namespace

proto::Result<MireReply> Mire::on_datagram(MirePort on, proto::Endpoint from, proto::ByteView payload,
                                           proto::MutableBytes out) {
  ++counters_.received;
  auto r = handle(on, from, payload, out);
  if (!r) drops_.add(r.drop());
  return r;
}

proto::Result<MireReply> Mire::handle(MirePort on, proto::Endpoint from, proto::ByteView payload,
                                      proto::MutableBytes out) {
  using proto::Drop;
  // Never answer what cannot be a Teredo peer (broadcast, multicast, private or port 0): the
  // responder must not be a reflector toward the local network.
  if (!proto::is_global_unicast(from.addr) || from.port == 0) return Drop::NonGlobalSource;
  auto pkt = proto::parse_teredo_packet(payload);
  if (!pkt) return pkt.drop();
  auto ip = proto::parse_ipv6(pkt->ipv6);
  if (!ip) return ip.drop();
  const proto::Ipv6Header& h = ip->header;
  if (proto::is_multicast(h.src) || proto::is_multicast(h.dst)) return Drop::MulticastDestination;
  proto::Writer w(out);

  if (on == MirePort::Bubbles) {
    // Any source: Miredo's bubbles come from a link-local address; the swapped answer is what
    // such a peer recognises.
    if (!proto::is_bubble(*ip)) return Drop::NotBubbleOrIcmpv6;
    proto::build_bubble(w, h.dst, h.src, kHopLimit);
    ++counters_.bubbles_answered;
    return MireReply{from, w.written()};
  }

  if (!addressed_to_mire(h.dst)) return Drop::NotOurAddress;
  if (!proto::is_global_scope(h.src)) return Drop::NonGlobalSource;
  if (h.next_header == proto::kNextHeaderIcmpv6) {
    auto echo = proto::parse_echo(*ip);
    if (!echo) return echo.drop();
    if (echo->type != proto::kIcmpv6EchoRequest) return Drop::NotEcho;
    proto::Echo reply = *echo;
    reply.type = proto::kIcmpv6EchoReply;
    proto::build_echo(w, h.dst, h.src, kHopLimit, reply);
    if (!w.ok()) return Drop::SendFailed;
    ++counters_.echo_replies;
    return MireReply{from, w.written()};
  }
  if (h.next_header == proto::kNextHeaderNone || h.next_header == kNextHeaderRouting)
    return Drop::NotBubbleOrIcmpv6;
  // Any other next header: Parameter Problem, unrecognized next header, pointing at it.
  if (!proto::may_send_icmpv6_error(*ip)) return Drop::NotBubbleOrIcmpv6;
  proto::Ipv6Header eh;
  eh.next_header = proto::kNextHeaderIcmpv6;
  eh.hop_limit = kHopLimit;
  eh.src = h.dst;
  eh.dst = h.src;
  proto::build_ipv6_header(w, eh);
  proto::build_icmpv6_error(w, proto::kIcmpv6ParameterProblem, kUnrecognizedNextHeader, kNextHeaderPointer,
                            pkt->ipv6);
  if (!w.ok()) return Drop::SendFailed;
  proto::MutableBytes all = w.written_mutable();
  const auto icmp = all.subspan(proto::kIpv6HeaderSize);
  proto::store_be16(all.data() + 4, static_cast<std::uint16_t>(icmp.size()));
  proto::store_be16(icmp.data() + 2,
                    proto::ipv6_upper_checksum(eh.src, eh.dst, proto::kNextHeaderIcmpv6, icmp));
  ++counters_.parameter_problems;
  return MireReply{from, all};
}

}  // namespace teredo::core
