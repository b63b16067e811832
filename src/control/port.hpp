// SPDX-License-Identifier: GPL-2.0-or-later
// The control channel's window into a data-path worker. The control thread posts a request (a
// mutex-protected slot) and signals an eventfd that the worker watches in its epoll set; the
// worker, at its next wake-up, builds the snapshot asked for from its core (snapshot.hpp) and the
// control thread picks it up. The data path never blocks on the control thread, and nothing is
// shared while the core runs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "control/snapshot.hpp"
#include "os/event_fd.hpp"
#include "os/os_result.hpp"

namespace teredo::control {

class ControlPort {
 public:
  static os::OsResult<std::unique_ptr<ControlPort>> create();

  /// The eventfd to add to the worker's epoll set (readable: call serve()).
  int fd() const { return event_.fd(); }

  /// Data-path thread: answers the pending request, if any, with build(query) -> ControlSnapshot.
  template <class Build>
  void serve(Build&& build) {
    if (auto req = take()) answer(req->first, build(req->second));
  }

  /// Data-path thread, for an answer built over several wake-ups (a peers walk): takes the
  /// pending request (id, query), if any, and clears the eventfd; answer(id, ...) when done. An
  /// answer to a request the control thread gave up waiting for is dropped.
  std::optional<std::pair<std::uint64_t, PeerQuery>> take();
  void answer(std::uint64_t id, ControlSnapshot snapshot);

  /// Control thread: asks the data path for a snapshot; nullopt if it did not answer in time.
  std::optional<ControlSnapshot> request(const PeerQuery& query, std::chrono::milliseconds timeout);

  ControlPort(const ControlPort&) = delete;
  ControlPort& operator=(const ControlPort&) = delete;

 private:
  explicit ControlPort(os::EventFd event) : event_(std::move(event)) {}

  os::EventFd event_;
  std::mutex request_mutex_;  // one request at a time
  std::mutex mutex_;
  std::condition_variable done_;
  std::uint64_t next_id_ = 0;
  std::uint64_t pending_id_ = 0;  // 0: none
  PeerQuery pending_query_;
  std::optional<ControlSnapshot> answer_;
  std::uint64_t answer_id_ = 0;
};

}  // namespace teredo::control
