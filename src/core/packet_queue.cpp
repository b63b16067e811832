// SPDX-License-Identifier: GPL-2.0-or-later
// Fixed pool of packet slots linked into per-peer FIFO lists.
#include "core/packet_queue.hpp"

#include <algorithm>
#include <cstring>

namespace teredo::core {

PacketQueue::PacketQueue(std::size_t total_packets, std::size_t slot_size, std::size_t per_list,
                         BufferMemory& memory)
    : slot_size_(std::min<std::size_t>(slot_size, 0xFFFF)),
      per_list_(per_list),
      capacity_(std::max<std::size_t>(total_packets, 1)),
      storage_(memory, capacity_ * slot_size_),
      lengths_(&memory),
      tags_(&memory),
      next_(&memory),
      lists_(&memory) {
  lengths_.reserve(capacity_);
  tags_.reserve(capacity_);
  next_.reserve(capacity_);
  lists_.reserve(capacity_);
}

std::uint32_t PacketQueue::fresh_slot() {
  if (lengths_.size() == capacity_) return kNone;
  lengths_.push_back(0);
  tags_.push_back(0);
  next_.push_back(kNone);
  return static_cast<std::uint32_t>(lengths_.size() - 1);
}

std::uint32_t PacketQueue::open_list(const proto::Ipv6Addr& peer) {
  std::uint32_t id = free_list_;
  if (id != kNone) {
    free_list_ = lists_[id].next_free;
  } else {
    if (lists_.size() == capacity_) return kNone;
    lists_.emplace_back();
    id = static_cast<std::uint32_t>(lists_.size() - 1);
  }
  List& l = lists_[id];
  l = List{};
  l.info.peer = peer;
  l.info.open = true;
  ++open_lists_;
  return id;
}

bool PacketQueue::push(std::uint32_t list, proto::ByteView packet, std::uint8_t tag) {
  List& l = lists_[list];
  if (!l.info.open || l.count >= per_list_ || packet.size() > slot_size_) return false;
  std::uint32_t s = free_slot_;
  if (s != kNone) {
    free_slot_ = next_[s];
  } else {
    s = fresh_slot();
    if (s == kNone) return false;
  }
  std::memcpy(storage_.get() + std::size_t{s} * slot_size_, packet.data(), packet.size());
  lengths_[s] = static_cast<std::uint16_t>(packet.size());
  tags_[s] = tag;
  next_[s] = kNone;
  if (l.tail == kNone)
    l.head = s;
  else
    next_[l.tail] = s;
  l.tail = s;
  ++l.count;
  ++used_slots_;
  return true;
}

PacketQueue::SlotList PacketQueue::take(std::uint32_t list) {
  List& l = lists_[list];
  SlotList chain{l.head, l.count};
  l.info.open = false;
  l.head = l.tail = kNone;
  l.count = 0;
  l.next_free = free_list_;
  free_list_ = list;
  --open_lists_;
  return chain;
}

void PacketQueue::discard(std::uint32_t list) {
  release(take(list));
}

void PacketQueue::release(SlotList chain) {
  std::uint32_t s = chain.head;
  while (s != kNone) {
    const std::uint32_t n = next_[s];
    next_[s] = free_slot_;
    free_slot_ = s;
    --used_slots_;
    s = n;
  }
}

}  // namespace teredo::core
