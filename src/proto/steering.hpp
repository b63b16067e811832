// SPDX-License-Identifier: GPL-2.0-or-later
// Which worker owns a peer (several workers, flows pinned, no lock). Every packet is
// keyed by the remote IPv6 address it concerns: the destination of a packet read from the TUN,
// the inner source of a Teredo datagram. The worker that owns a key is shard_of(key, n); it
// alone keeps that peer's entry, so each peer lives in exactly one worker's table.
//
// The kernel is asked to steer packets to their owner already (os/steering.hpp: a reuseport
// cBPF program for the UDP sockets and a TUN steering eBPF program for the queues), computing
// the same function, keyed by a 128-bit secret (k0..k3) drawn at each start: over the address's
// four big-endian 32-bit words, h = 0, then for each word h ^= w_i + k_i, h *= 0x9e3779b1,
// h ^= h >> 16 (32-bit arithmetic, what classic BPF offers), and the result is h & 0xffff modulo n.
// (16 bits: the kernel keeps only the low 16 bits of a TUN steering program's result before taking
// it modulo the queue count.) Unkeyed, an attacker could choose peer addresses (the inner source of
// its datagrams) that all land on one worker; keyed, where an address lands depends on the secret
// through every round (the key enters each word by a carry-propagating addition before the
// multiplication), so the attacker's choice gives no worker more than its share. It is a keyed
// mixer, not a PRF: it needs no more than to keep a blind attacker from aiming (docs/decisions.md).
// A packet that still arrives at another worker (steering refused, fallback queue selection) is
// handed over to the owner; correctness never depends on the kernel's choice.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "proto/bytes.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::proto {

/// The steering secret: one per process start, shared by every worker and both kernel programs.
struct SteeringKey {
  std::array<std::uint32_t, 4> words{};
  friend bool operator==(const SteeringKey&, const SteeringKey&) = default;
};

/// The multiplier of each round (odd: a bijection modulo 2^32).
inline constexpr std::uint32_t kSteeringMultiplier = 0x9e3779b1u;

/// The 16-bit steering hash of `a` under `key` (see above).
constexpr std::uint32_t steering_hash(const Ipv6Addr& a, const SteeringKey& key) {
  std::uint32_t h = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const std::size_t b = 4 * i;
    const std::uint32_t w =
        static_cast<std::uint32_t>(a.bytes[b]) << 24 | static_cast<std::uint32_t>(a.bytes[b + 1]) << 16 |
        static_cast<std::uint32_t>(a.bytes[b + 2]) << 8 | static_cast<std::uint32_t>(a.bytes[b + 3]);
    h ^= w + key.words[i];
    h *= kSteeringMultiplier;
    h ^= h >> 16;
  }
  return h & 0xffffu;
}

/// The worker (0..n-1) that owns `a` under `key`; n must be at least 1.
constexpr unsigned shard_of(const Ipv6Addr& a, unsigned n, const SteeringKey& key) {
  return steering_hash(a, key) % n;
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
