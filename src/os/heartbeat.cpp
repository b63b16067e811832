// SPDX-License-Identifier: GPL-2.0-or-later
#include "os/heartbeat.hpp"

#include <sys/mman.h>
#include <time.h>

#include <utility>

namespace teredo::os {

std::uint64_t monotonic_coarse_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000U + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000U;
}

OsResult<HeartbeatBoard> HeartbeatBoard::create() {
  void* p = ::mmap(nullptr, sizeof(Slot) * kSlots, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return errno_error("mmap(heartbeat board)");
  auto* slots = static_cast<Slot*>(p);
  for (std::size_t i = 0; i < kSlots; ++i) new (&slots[i]) Slot();
  return HeartbeatBoard(slots);
}

HeartbeatBoard::HeartbeatBoard(HeartbeatBoard&& o) noexcept : slots_(std::exchange(o.slots_, nullptr)) {}

HeartbeatBoard::~HeartbeatBoard() {
  if (slots_ != nullptr) ::munmap(slots_, sizeof(Slot) * kSlots);
}

Heartbeat HeartbeatBoard::slot(std::size_t index) const {
  return index < kSlots && slots_ != nullptr ? Heartbeat(&slots_[index].since) : Heartbeat();
}

void HeartbeatBoard::clear() const {
  for (std::size_t i = 0; slots_ != nullptr && i < kSlots; ++i)
    slots_[i].since.store(0, std::memory_order_relaxed);
}

std::optional<HeartbeatBoard::Stuck> HeartbeatBoard::stuck(std::uint64_t now_ms,
                                                           std::uint64_t limit_ms) const {
  std::optional<Stuck> worst;
  for (std::size_t i = 0; slots_ != nullptr && i < kSlots; ++i) {
    const std::uint64_t since = slots_[i].since.load(std::memory_order_relaxed);
    if (since == 0 || since >= now_ms) continue;
    const std::uint64_t age = now_ms - since;
    if (age > limit_ms && (!worst || age > worst->for_ms)) worst = Stuck{i, age};
  }
  return worst;
}

}  // namespace teredo::os
