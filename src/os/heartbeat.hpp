// SPDX-License-Identifier: GPL-2.0-or-later
// The data path's heartbeat, for systemd's watchdog (WatchdogSec=): each data-path thread of the
// worker process notes in a page it shares with the supervisor when its current turn of work
// began, and 0 while it waits for events. The supervisor tells systemd WATCHDOG=1 only while no
// turn has lasted longer than a limit: a thread stuck in a turn (a deadlock, a loop, a blocking
// call) stops the pings, and systemd restarts the service. Waiting costs nothing: no wake-up is
// added to an idle daemon.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "os/os_result.hpp"

namespace teredo::os {

/// CLOCK_MONOTONIC in milliseconds, coarse (the vDSO's tick-granular clock: a few nanoseconds).
std::uint64_t monotonic_coarse_ms();

/// One data-path thread's slot (or none: every call is then a no-op).
class Heartbeat {
 public:
  Heartbeat() = default;
  explicit Heartbeat(std::atomic<std::uint64_t>* slot) : slot_(slot) {}
  /// About to wait for events.
  void waiting() const {
    if (slot_ != nullptr) slot_->store(0, std::memory_order_relaxed);
  }
  /// Woken: a turn of work begins.
  void working() const {
    if (slot_ != nullptr) slot_->store(monotonic_coarse_ms() | 1, std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t>* slot_ = nullptr;
};

/// The shared page: kSlots slots, one per cache line, in a MAP_SHARED anonymous mapping made by
/// the supervisor before it forks the worker (the worker inherits it).
class HeartbeatBoard {
 public:
  static constexpr std::size_t kSlots = 64;

  static OsResult<HeartbeatBoard> create();
  HeartbeatBoard(HeartbeatBoard&& o) noexcept;
  HeartbeatBoard& operator=(HeartbeatBoard&&) = delete;
  HeartbeatBoard(const HeartbeatBoard&) = delete;
  HeartbeatBoard& operator=(const HeartbeatBoard&) = delete;
  ~HeartbeatBoard();

  /// Thread `index`'s heartbeat; a no-op one past kSlots.
  Heartbeat slot(std::size_t index) const;
  /// Every slot back to "waiting" (before a new worker starts).
  void clear() const;

  struct Stuck {
    std::size_t index = 0;
    std::uint64_t for_ms = 0;
  };
  /// The thread whose current turn began longest ago, if that is more than `limit_ms` before
  /// `now_ms`; nullopt when every thread waits or works on a recent turn.
  std::optional<Stuck> stuck(std::uint64_t now_ms, std::uint64_t limit_ms) const;

 private:
  struct alignas(64) Slot {
    std::atomic<std::uint64_t> since{0};
  };
  explicit HeartbeatBoard(Slot* slots) : slots_(slots) {}
  Slot* slots_ = nullptr;
};

}  // namespace teredo::os
