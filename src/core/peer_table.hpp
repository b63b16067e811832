// SPDX-License-Identifier: GPL-2.0-or-later
// The peer table (RFC 4380 5.2 "peer list", 5.4): a fixed-capacity open-addressing hash table
// keyed by IPv6 address. Memory is allocated once (lazily touched); when the table holds
// max_peers entries, a new peer evicts the stalest entry of its probe window (RFC 4380 7.3.3
// suggests LRU; Miredo refuses new peers instead). Not thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "core/buffer_memory.hpp"
#include "core/keyed_hash.hpp"
#include "core/time.hpp"
#include "proto/ipv4.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::core {

inline constexpr std::uint32_t kNoQueue = 0xFFFFFFFF;

/// One peer: 64 bytes (one cache line). Plain data; a zeroed entry is an empty slot.
struct PeerEntry {
  proto::Ipv6Addr addr;
  std::uint32_t mapped_addr = 0;  // host order
  std::uint16_t mapped_port = 0;
  std::uint8_t flags = 0;
  std::uint8_t bubbles = 0;  // bubbles sent in the current window without a direct answer
  Tick last_rx = 0;
  Tick last_tx = 0;
  Tick bubble_window = 0;          // when the first bubble of the current 300 s window left
  std::uint32_t queue = kNoQueue;  // PacketQueue list holding packets for this peer
  // Traffic with this peer (data packets, not bubbles), for teredoctl.
  std::uint32_t rx_packets = 0;
  std::uint32_t tx_packets = 0;
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_bytes = 0;

  static constexpr std::uint8_t kOccupied = 0x01;
  static constexpr std::uint8_t kTrusted = 0x02;
  static constexpr std::uint8_t kHeard = 0x04;          // something was received from it at least once
  static constexpr std::uint8_t kRfc6081 = 0x08;        // it sent an RFC 6081 Nonce trailer: it speaks 6081
  static constexpr std::uint8_t kRandomPort = 0x10;     // it has an entry in the client's RandomPorts
  static constexpr std::uint8_t kSymmetricPeer = 0x20;  // its direct bubbles came from elsewhere than
                                                        // its embedded mapping (RFC 6081 5.3)

  bool occupied() const { return (flags & kOccupied) != 0; }
  bool trusted() const { return (flags & kTrusted) != 0; }
  proto::Endpoint mapped() const { return {proto::Ipv4Addr{mapped_addr}, mapped_port}; }
  void set_mapped(proto::Endpoint e) {
    mapped_addr = e.addr.value;
    mapped_port = e.port;
  }
  /// How stale the entry is for eviction: the age of its last reception, untrusted entries
  /// first (a flood of new destinations must not push out peers that are talking).
  std::uint32_t staleness(Tick now) const {
    const std::uint32_t age = tick_age(now, last_rx) & 0x3FFFFFFF;
    return trusted() ? age : age | 0x40000000;
  }
};
static_assert(sizeof(PeerEntry) == 64);

class PeerTable {
 public:
  /// `max_peers` in [1, 3e9]. Slots = max_peers * 5 / 4 (load factor 0.8 at the ceiling).
  /// The table's memory comes from `memory` (zero-filled = empty slots).
  PeerTable(std::size_t max_peers, const HashKey& key, BufferMemory& memory = heap_buffer_memory());

  /// The entry for `addr`, or nullptr. Pointers stay valid until the next insert or erase.
  PeerEntry* find(const proto::Ipv6Addr& addr);
  const PeerEntry* find(const proto::Ipv6Addr& addr) const;

  struct Insertion {
    PeerEntry* entry = nullptr;
    bool inserted = false;
    /// Set when a stale entry was evicted to make room: its queue must be discarded.
    bool evicted = false;
    std::uint32_t evicted_queue = kNoQueue;
  };
  /// Finds `addr`, or inserts a new entry (occupied, all other fields zero except queue).
  Insertion find_or_insert(const proto::Ipv6Addr& addr, Tick now);

  /// Removes an entry found by find(); other pointers become invalid.
  void erase(PeerEntry* entry);

  /// Hints the CPU to load the slot `addr` hashes to (call a batch ahead of find()).
  void prefetch(const proto::Ipv6Addr& addr) const;

  /// Visits up to `budget` slots from an internal cursor, erasing the entries for which
  /// `expired(entry)` is true; `on_erase(entry)` runs first so queues can be released.
  template <class Expired, class OnErase>
  std::size_t sweep(std::size_t budget, Expired&& expired, OnErase&& on_erase);

  /// Calls fn(const PeerEntry&) for every occupied entry among slots [begin, end) (end clipped to
  /// slot_count()) and returns where it stopped: a walk in slices. Between slices the backward
  /// shift of deletions may move an entry across the cursor, so it can be missed or seen twice.
  template <class Fn>
  std::size_t for_each_in(std::size_t begin, std::size_t end, Fn&& fn) const {
    end = std::min(end, slots_);
    for (std::size_t i = begin; i < end; ++i)
      if (table_[i].occupied()) fn(table_[i]);
    return std::max(begin, end);
  }

  /// Calls fn(const PeerEntry&) for every occupied entry.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (std::size_t i = 0; i < slots_; ++i)
      if (table_[i].occupied()) fn(table_[i]);
  }

  std::size_t size() const { return size_; }
  std::size_t max_peers() const { return max_peers_; }
  std::size_t slot_count() const { return slots_; }
  /// Bytes reserved for the table (touched lazily).
  std::size_t memory_bytes() const { return slots_ * sizeof(PeerEntry); }
  /// Start of the table's memory, so the driver can advise the kernel (huge pages).
  void* storage() const { return table_.get(); }
  std::uint64_t evictions() const { return evictions_; }

 private:
  std::size_t home(const proto::Ipv6Addr& addr) const;
  std::size_t next(std::size_t i) const { return i + 1 == slots_ ? 0 : i + 1; }
  void erase_at(std::size_t i);

  std::size_t max_peers_;
  std::size_t slots_;
  HashKey key_;
  BufferArray<PeerEntry> table_;
  std::size_t size_ = 0;
  std::size_t cursor_ = 0;
  std::uint64_t evictions_ = 0;
};

template <class Expired, class OnErase>
std::size_t PeerTable::sweep(std::size_t budget, Expired&& expired, OnErase&& on_erase) {
  std::size_t erased = 0;
  for (std::size_t n = 0; n < budget && size_ > 0; ++n) {
    PeerEntry& e = table_[cursor_];
    if (e.occupied() && expired(static_cast<const PeerEntry&>(e))) {
      on_erase(static_cast<const PeerEntry&>(e));
      erase_at(cursor_);  // may shift a later entry into cursor_: look at it again
      ++erased;
      continue;
    }
    cursor_ = next(cursor_);
  }
  return erased;
}

}  // namespace teredo::core
