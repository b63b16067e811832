// A worker's statistics as other threads read them (several data-path workers): the worker
// stores a copy at most once a second, under a mutex that is therefore never taken per packet.
#pragma once

#include <chrono>
#include <mutex>

namespace teredo::datapath {

template <class Stats>
class PublishedStats {
 public:
  static constexpr std::chrono::seconds kInterval{1};

  /// Worker thread: stores make() if the last copy is kInterval old.
  template <class Make>
  void maybe_publish(Make&& make) {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_) return;
    next_ = now + kInterval;
    Stats s = make();
    std::lock_guard lock(mutex_);
    value_ = s;
  }

  /// Any thread: the last copy.
  Stats get() const {
    std::lock_guard lock(mutex_);
    return value_;
  }

 private:
  std::chrono::steady_clock::time_point next_{};  // worker thread only
  mutable std::mutex mutex_;
  Stats value_{};
};

}  // namespace teredo::datapath
