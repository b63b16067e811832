// SPDX-License-Identifier: GPL-2.0-or-later
// A client's state changes between its workers: the first worker qualifies and posts each change
// (its core's StateChange action); the others (followers, core::ClientConfig::follower) take the
// latest one when woken. The mutex is taken once per change, never per packet.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>

#include "core/tunnel_actions.hpp"

namespace teredo::datapath {

class StateBoard {
 public:
  /// The first worker: a new state.
  void post(const core::StateChange& change) {
    std::lock_guard lock(mutex_);
    latest_ = change;
    ++version_;
  }

  /// A follower: the latest change if it is newer than the one it saw last (`seen`, updated).
  std::optional<core::StateChange> take_newer(std::uint64_t& seen) const {
    std::lock_guard lock(mutex_);
    if (version_ == seen) return std::nullopt;
    seen = version_;
    return latest_;
  }

 private:
  mutable std::mutex mutex_;
  core::StateChange latest_;
  std::uint64_t version_ = 0;
};

}  // namespace teredo::datapath
