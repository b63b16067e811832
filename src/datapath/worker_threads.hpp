// SPDX-License-Identifier: GPL-2.0-or-later
// The data-path threads of a daemon: each runs one worker's loop until the stop eventfd it
// watches is signalled. Shared by the relay, client and server drivers.
#pragma once

#include <functional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/log.hpp"
#include "os/event_fd.hpp"

namespace teredo::datapath {

namespace log = daemon::log;

class WorkerThreads {
 public:
  /// `stop` is what the workers' loops watch; it must outlive this object.
  explicit WorkerThreads(os::EventFd& stop) : stop_(stop) {}
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;
  ~WorkerThreads() { stop_and_join(); }

  /// Runs `loop` on a new thread. false (logged) if the thread cannot be created: the threads
  /// already started are then stopped and joined.
  bool start(std::function<void()> loop) {
    try {
      threads_.emplace_back(std::move(loop));
      return true;
    } catch (const std::system_error& e) {
      log::alert("Cannot start worker thread: {}", e.what());
      stop_and_join();
      return false;
    }
  }

  /// Signals stop and joins every thread. Idempotent.
  void stop_and_join() {
    if (threads_.empty()) return;
    stop_.signal();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  os::EventFd& stop_;
  std::vector<std::thread> threads_;
};

}  // namespace teredo::datapath
