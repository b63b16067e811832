// SPDX-License-Identifier: GPL-2.0-or-later
// Local peers (RFC 4380 5.2.8, 5.2.4 case 3, 5.2.3 rules 4 and 5): the Teredo clients on our own
// link, learned from their local discovery bubbles, with the local IPv4 address and port they
// sent from. A small table apart from the peer list: a link holds few clients, and the peer
// entries stay one cache line. When it is full, the entry seen longest ago gives way.
#pragma once

#include <cstddef>
#include <vector>

#include "core/time.hpp"
#include "proto/ipv4.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::core {

struct LocalPeer {
  proto::Ipv6Addr addr;
  proto::Endpoint local;  // where its discovery bubble came from
  Tick last_seen = 0;     // its last discovery bubble
};

class LocalPeers {
 public:
  /// RFC 4380 5.2.4 case 3: a local peer is one whose discovery bubble arrived within 600 s.
  static constexpr Tick kLifetime = ticks(std::chrono::seconds(600));

  explicit LocalPeers(std::size_t capacity) : capacity_(capacity) { entries_.reserve(capacity); }

  /// The live entry for `addr` at `now`, or nullptr.
  const LocalPeer* find(const proto::Ipv6Addr& addr, Tick now) const {
    for (const LocalPeer& p : entries_)
      if (p.addr == addr) return tick_age(now, p.last_seen) < kLifetime ? &p : nullptr;
    return nullptr;
  }

  /// Records a discovery bubble from `addr` at `local`; true when the peer was not known (or its
  /// entry had expired, or it moved to another local endpoint).
  bool seen(const proto::Ipv6Addr& addr, proto::Endpoint local, Tick now) {
    LocalPeer* oldest = nullptr;
    for (LocalPeer& p : entries_) {
      if (p.addr == addr) {
        const bool news = tick_age(now, p.last_seen) >= kLifetime || p.local != local;
        p.local = local;
        p.last_seen = now;
        return news;
      }
      if (oldest == nullptr || tick_age(now, p.last_seen) > tick_age(now, oldest->last_seen)) oldest = &p;
    }
    if (entries_.size() < capacity_) {
      entries_.push_back({addr, local, now});
    } else if (oldest != nullptr) {
      *oldest = {addr, local, now};
      ++evictions_;
    }
    return true;
  }

  /// The entries still alive at `now`.
  std::size_t live(Tick now) const {
    std::size_t n = 0;
    for (const LocalPeer& p : entries_)
      if (tick_age(now, p.last_seen) < kLifetime) ++n;
    return n;
  }
  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return capacity_; }
  std::uint64_t evictions() const { return evictions_; }

 private:
  std::size_t capacity_;
  std::vector<LocalPeer> entries_;
  std::uint64_t evictions_ = 0;
};

}  // namespace teredo::core
