// SPDX-License-Identifier: GPL-2.0-or-later
// Open addressing with linear probing and backward-shift deletion (no tombstones), so probe
// sequences stay short however many peers come and go.
#include "core/peer_table.hpp"

namespace teredo::core {

namespace {
// How many slots from a key's home slot eviction looks at for the stalest entry.
constexpr std::size_t kEvictionWindow = 32;
}  // namespace

PeerTable::PeerTable(std::size_t max_peers, const HashKey& key, BufferMemory& memory)
    : max_peers_(max_peers == 0 ? 1 : max_peers),
      slots_(max_peers_ + max_peers_ / 4 + 1),
      key_(key),
      // Zero-filled (= empty) slots; their pages are touched, and counted in RSS, as peers arrive.
      table_(memory, slots_) {}

std::size_t PeerTable::home(const proto::Ipv6Addr& addr) const {
  const std::uint64_t h = table_hash(key_, addr.bytes.data());
  // Lemire's multiply-shift range reduction on the top 32 bits: no modulo, any table size
  // below 2^32 slots.
  return static_cast<std::size_t>(((h >> 32) * slots_) >> 32);
}

void PeerTable::prefetch(const proto::Ipv6Addr& addr) const {
  __builtin_prefetch(&table_[home(addr)]);
}

const PeerEntry* PeerTable::find(const proto::Ipv6Addr& addr) const {
  std::size_t i = home(addr);
  for (std::size_t n = 0; n < slots_; ++n) {
    const PeerEntry& e = table_[i];
    if (!e.occupied()) return nullptr;
    if (e.addr == addr) return &e;
    i = next(i);
  }
  return nullptr;
}

PeerEntry* PeerTable::find(const proto::Ipv6Addr& addr) {
  return const_cast<PeerEntry*>(static_cast<const PeerTable*>(this)->find(addr));
}

PeerTable::Insertion PeerTable::find_or_insert(const proto::Ipv6Addr& addr, Tick now) {
  Insertion r;
  const std::size_t h = home(addr);
  std::size_t i = h;
  for (std::size_t n = 0; n < slots_; ++n) {
    PeerEntry& e = table_[i];
    if (!e.occupied()) break;
    if (e.addr == addr) {
      r.entry = &e;
      return r;
    }
    i = next(i);
  }
  if (size_ >= max_peers_) {
    // At the ceiling: evict the stalest entry near the key's home slot (untrusted entries
    // first, then the longest silent), then insert.
    std::size_t victim = slots_;
    std::uint32_t victim_staleness = 0;
    std::size_t j = h;
    for (std::size_t n = 0; n < kEvictionWindow; ++n, j = next(j)) {
      const PeerEntry& e = table_[j];
      if (!e.occupied()) continue;
      const std::uint32_t st = e.staleness(now);
      if (victim == slots_ || st > victim_staleness) {
        victim = j;
        victim_staleness = st;
      }
    }
    if (victim != slots_) {
      r.evicted = true;
      r.evicted_queue = table_[victim].queue;
      ++evictions_;
      erase_at(victim);
      // The backward shift may have moved entries within the key's probe run: find its end again.
      i = h;
      while (table_[i].occupied()) i = next(i);
    }
  }
  if (table_[i].occupied()) return r;  // completely full: the caller counts a drop
  PeerEntry& e = table_[i];
  e = PeerEntry{};
  e.addr = addr;
  e.flags = PeerEntry::kOccupied;
  ++size_;
  r.entry = &e;
  r.inserted = true;
  return r;
}

void PeerTable::erase(PeerEntry* entry) {
  erase_at(static_cast<std::size_t>(entry - table_.get()));
}

void PeerTable::erase_at(std::size_t i) {
  // Backward-shift deletion: pull later members of the probe run into the hole when their home
  // slot does not lie (cyclically) between the hole and their position.
  std::size_t hole = i;
  std::size_t j = next(i);
  for (;;) {
    PeerEntry& e = table_[j];
    if (!e.occupied()) break;
    const std::size_t h = home(e.addr);
    const bool movable = hole <= j ? (h <= hole || h > j) : (h <= hole && h > j);
    if (movable) {
      table_[hole] = e;
      hole = j;
    }
    j = next(j);
  }
  table_[hole] = PeerEntry{};
  --size_;
}

}  // namespace teredo::core
