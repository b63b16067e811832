// Fixed pool of packet slots linked into per-peer FIFO lists.
#include "core/packet_queue.hpp"

#include <algorithm>
#include <cstring>

namespace teredo::core {

PacketQueue::PacketQueue(std::size_t total_packets, std::size_t slot_size, std::size_t per_list)
    : slot_size_(std::min<std::size_t>(slot_size, 0xFFFF)),
      per_list_(per_list),
      storage_(new std::uint8_t[std::max<std::size_t>(total_packets, 1) * slot_size_]),
      lengths_(std::max<std::size_t>(total_packets, 1), 0),
      tags_(lengths_.size(), 0),
      next_(lengths_.size(), kNone),
      lists_(lengths_.size()) {
  for (std::size_t i = lengths_.size(); i-- > 0;) {
    next_[i] = free_slot_;
    free_slot_ = static_cast<std::uint32_t>(i);
    lists_[i].next_free = free_list_;
    free_list_ = static_cast<std::uint32_t>(i);
  }
}

std::uint32_t PacketQueue::open_list(const proto::Ipv6Addr& peer) {
  if (free_list_ == kNone) return kNone;
  const std::uint32_t id = free_list_;
  List& l = lists_[id];
  free_list_ = l.next_free;
  l = List{};
  l.info.peer = peer;
  l.info.open = true;
  ++open_lists_;
  return id;
}

bool PacketQueue::push(std::uint32_t list, proto::ByteView packet, std::uint8_t tag) {
  List& l = lists_[list];
  if (!l.info.open || l.count >= per_list_ || free_slot_ == kNone || packet.size() > slot_size_) return false;
  const std::uint32_t s = free_slot_;
  free_slot_ = next_[s];
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

void PacketQueue::discard(std::uint32_t list) { release(take(list)); }

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
