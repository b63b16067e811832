// SPDX-License-Identifier: GPL-2.0-or-later
// Packets held while a path to a peer opens (RFC 4380 5.2.4, 5.4.1: bounded, flushed in
// arrival order once the peer is trusted, deleted with the peer). A fixed pool of packet slots
// shared by per-peer FIFO lists; nothing is allocated per packet. Not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <vector>

#include "core/buffer_memory.hpp"
#include "core/time.hpp"
#include "proto/bytes.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::core {

class PacketQueue {
 public:
  static constexpr std::uint32_t kNone = 0xFFFFFFFF;

  /// A detached chain of packets (taken from a list), readable until release().
  struct SlotList {
    std::uint32_t head = kNone;
    std::uint32_t count = 0;
  };

  /// Per-list bookkeeping the relay and client use for retransmissions.
  struct ListInfo {
    proto::Ipv6Addr peer;
    Tick next_retry = 0;
    std::uint8_t retries = 0;
    bool open = false;
    /// Client: the nonce of the pending direct IPv6 connectivity test (RFC 4380 5.2.9).
    std::array<std::uint8_t, 8> nonce{};
    bool testing = false;
    /// Client: where packets held as "incoming" came from (an unverified relay).
    std::uint32_t incoming_addr = 0;
    std::uint16_t incoming_port = 0;
    /// RFC 6081 5.2: the Nonce trailers of the last two indirect bubbles sent to the peer (0:
    /// none), and the one its own indirect bubble carried (Nonce Received).
    std::uint32_t nonce_sent = 0;
    std::uint32_t nonce_sent_before = 0;
    std::uint32_t nonce_received = 0;
    /// Client, RFC 6081 3.6: the path is being re-checked with Neighbor Discovery solicitations
    /// (direct bubbles) before falling back to an indirect bubble.
    bool soliciting = false;
  };

  /// Tags a packet carries in the queue.
  static constexpr std::uint8_t kOutgoing = 0;
  static constexpr std::uint8_t kIncoming = 1;

  /// `total_packets` slots of `slot_size` bytes; at most `per_list` packets in one list. The
  /// slots and their bookkeeping come from `memory`.
  PacketQueue(std::size_t total_packets, std::size_t slot_size, std::size_t per_list,
              BufferMemory& memory = heap_buffer_memory());

  /// Opens a list for `peer`; kNone when every list is in use.
  std::uint32_t open_list(const proto::Ipv6Addr& peer);
  /// Appends a copy of `packet`; false when the list or the pool is full or the packet is
  /// larger than a slot.
  bool push(std::uint32_t list, proto::ByteView packet, std::uint8_t tag = kOutgoing);
  /// Closes the list and hands its packets over in arrival order.
  SlotList take(std::uint32_t list);
  /// Closes the list and frees its packets.
  void discard(std::uint32_t list);
  /// Frees packets handed over by take().
  void release(SlotList chain);

  /// Calls fn(ByteView) for each packet of a taken chain, oldest first.
  template <class Fn>
  void for_each(SlotList chain, Fn&& fn) const {
    for (std::uint32_t s = chain.head; s != kNone; s = next_[s]) fn(packet(s));
  }
  /// Calls fn(ByteView, tag) for each packet of a taken chain, oldest first.
  template <class Fn>
  void for_each_tagged(SlotList chain, Fn&& fn) const {
    for (std::uint32_t s = chain.head; s != kNone; s = next_[s]) fn(packet(s), tags_[s]);
  }

  ListInfo& info(std::uint32_t list) { return lists_[list].info; }
  const ListInfo& info(std::uint32_t list) const { return lists_[list].info; }
  std::uint32_t packets_in(std::uint32_t list) const { return lists_[list].count; }
  /// Calls fn(list_id, ListInfo&) for every open list (for retransmission timers).
  template <class Fn>
  void for_each_open(Fn&& fn) {
    for (std::uint32_t i = 0; i < lists_.size(); ++i)
      if (lists_[i].info.open) fn(i, lists_[i].info);
  }

  std::size_t packets_queued() const { return used_slots_; }
  std::size_t open_lists() const { return open_lists_; }
  std::size_t capacity() const { return capacity_; }

 private:
  proto::ByteView packet(std::uint32_t slot) const {
    return {storage_.get() + std::size_t{slot} * slot_size_, lengths_[slot]};
  }
  struct List {
    ListInfo info;
    std::uint32_t head = kNone;
    std::uint32_t tail = kNone;
    std::uint32_t count = 0;
    std::uint32_t next_free = kNone;
  };

  /// A slot (and a list) never used before: the per-slot vectors grow into their reserved
  /// capacity, so their pages become resident only as far as the queue was ever filled.
  std::uint32_t fresh_slot();

  std::size_t slot_size_;
  std::size_t per_list_;
  std::size_t capacity_;
  BufferArray<std::uint8_t> storage_;  // pages touched on use
  // Reserved for capacity_ entries at construction (never reallocated), filled on first use.
  std::pmr::vector<std::uint16_t> lengths_;
  std::pmr::vector<std::uint8_t> tags_;
  std::pmr::vector<std::uint32_t> next_;
  std::uint32_t free_slot_ = kNone;
  std::pmr::vector<List> lists_;
  std::uint32_t free_list_ = kNone;
  std::size_t used_slots_ = 0;
  std::size_t open_lists_ = 0;
};

}  // namespace teredo::core
