// SPDX-License-Identifier: GPL-2.0-or-later
// ControlPort: request slot + eventfd between the control thread and a data-path worker.
#include "control/port.hpp"

namespace teredo::control {

os::OsResult<std::unique_ptr<ControlPort>> ControlPort::create() {
  auto event = os::EventFd::open();
  if (!event) return event.error();
  return std::unique_ptr<ControlPort>(new ControlPort(std::move(*event)));
}

std::optional<std::pair<std::uint64_t, PeerQuery>> ControlPort::take() {
  event_.acknowledge();
  std::lock_guard lock(mutex_);
  if (pending_id_ == 0) return std::nullopt;
  auto out = std::pair{pending_id_, pending_query_};
  pending_id_ = 0;
  return out;
}

void ControlPort::answer(std::uint64_t id, ControlSnapshot snapshot) {
  {
    std::lock_guard lock(mutex_);
    answer_ = std::move(snapshot);
    answer_id_ = id;
  }
  done_.notify_all();
}

std::optional<ControlSnapshot> ControlPort::request(const PeerQuery& query,
                                                    std::chrono::milliseconds timeout) {
  std::lock_guard serial(request_mutex_);
  std::unique_lock lock(mutex_);
  const std::uint64_t id = ++next_id_;
  pending_id_ = id;
  pending_query_ = query;
  answer_.reset();
  event_.signal();
  const bool ok = done_.wait_for(lock, timeout, [&] { return answer_id_ == id && answer_.has_value(); });
  if (!ok) {
    if (pending_id_ == id) pending_id_ = 0;
    return std::nullopt;
  }
  std::optional<ControlSnapshot> out = std::move(answer_);
  answer_.reset();
  return out;
}

}  // namespace teredo::control
