// Which worker owns a peer (several workers, flows pinned, no lock). Every packet is
// keyed by the remote IPv6 address it concerns: the destination of a packet read from the TUN,
// the inner source of a Teredo datagram. The worker that owns a key is shard_of(key, n); it
// alone keeps that peer's entry, so each peer lives in exactly one worker's table.
//
// The kernel is asked to steer packets to their owner already (os/steering.hpp: a reuseport
// cBPF program for the UDP sockets and a TUN steering eBPF program for the queues), computing
// the same function: h = w0 ^ w1 ^ w2 ^ w3 over the address's four big-endian 32-bit words,
// folded to 16 bits, (h ^ (h >> 16)) & 0xffff, modulo n. (16 bits: the kernel keeps only the
// low 16 bits of a TUN steering program's result before taking it modulo the queue count.) A packet that
// still arrives at another worker (steering refused, fallback queue selection) is handed over to the owner;
// correctness never depends on the kernel's choice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "proto/bytes.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::proto {

/// The 16-bit steering hash of `a` (see above).
constexpr std::uint32_t steering_hash(const Ipv6Addr& a) {
  std::uint32_t h = 0;
  for (std::size_t i = 0; i < 16; i += 4)
    h ^= static_cast<std::uint32_t>(a.bytes[i]) << 24 | static_cast<std::uint32_t>(a.bytes[i + 1]) << 16 |
         static_cast<std::uint32_t>(a.bytes[i + 2]) << 8 | static_cast<std::uint32_t>(a.bytes[i + 3]);
  return (h ^ (h >> 16)) & 0xffffu;
}

/// The worker (0..n-1) that owns `a`; n must be at least 1.
constexpr unsigned shard_of(const Ipv6Addr& a, unsigned n) {
  return steering_hash(a) % n;
}

/// Byte offsets the steering programs read, shared with them.
inline constexpr std::size_t kIpv6SourceOffset = 8;
inline constexpr std::size_t kIpv6DestinationOffset = 24;

/// The key of a packet read from the TUN: its IPv6 destination; nullopt if too short.
std::optional<Ipv6Addr> tun_steering_key(ByteView ipv6_packet);

/// The key of a Teredo UDP payload: the inner IPv6 source, after an authentication header
/// (13 + ID-len + AU-len bytes) and/or an origin indication (8 bytes); nullopt if too short.
/// Nothing else is checked: the owner parses and validates the packet.
std::optional<Ipv6Addr> udp_steering_key(ByteView udp_payload);

}  // namespace teredo::proto
