// The control channel's window into a relay or client data path (issue 6). The control thread
// posts a request (a mutex-protected slot) and pokes an eventfd that the worker watches in its
// epoll set; the data-path thread, at its next wake-up, copies what was asked from its core into
// the slot (serve) and the control thread picks it up. The data path never blocks on the control
// thread, and nothing is shared while the core runs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "core/client.hpp"
#include "core/relay.hpp"
#include "control/snapshot.hpp"
#include "os/fd.hpp"
#include "os/os_result.hpp"
#include "os/tun_device.hpp"

namespace teredo::control {

class ControlPort {
 public:
  static os::OsResult<std::unique_ptr<ControlPort>> create();

  /// The eventfd to add to the worker's epoll set (readable: call serve()).
  int fd() const { return event_.get(); }

  /// Data-path thread: answers a pending request from the core's current state.
  /// `handed_off`: packets this worker passed to the worker owning their peer (handoff.hpp).
  void serve(const core::Relay& relay, const proto::DropCounters& driver_drops, const os::TunDevice& tun,
             std::uint64_t handed_off = 0) {
    serve(relay, driver_drops, tun.offloads(), handed_off);
  }
  void serve(const core::Client& client, const proto::DropCounters& driver_drops, const os::TunDevice& tun,
             std::uint64_t handed_off = 0) {
    serve(client, driver_drops, tun.offloads(), handed_off);
  }
  void serve(const core::Relay& relay, const proto::DropCounters& driver_drops, const os::TunOffloads& offloads,
             std::uint64_t handed_off = 0);
  void serve(const core::Client& client, const proto::DropCounters& driver_drops, const os::TunOffloads& offloads,
             std::uint64_t handed_off = 0);
  /// Data-path thread (client): a state change the core reported, for "state since".
  void note_state(core::ClientState state);

  /// Control thread: asks the data path for a snapshot; nullopt if it did not answer in time.
  std::optional<ControlSnapshot> request(const PeerQuery& query, std::chrono::milliseconds timeout);

  ControlPort(const ControlPort&) = delete;
  ControlPort& operator=(const ControlPort&) = delete;

 private:
  explicit ControlPort(os::Fd event) : event_(std::move(event)) {}
  /// Takes the pending request, if any (and clears the eventfd).
  std::optional<std::pair<std::uint64_t, PeerQuery>> take();
  void answer(std::uint64_t id, ControlSnapshot snapshot);

  os::Fd event_;
  std::mutex request_mutex_;  // one request at a time (control thread, HTTP exporter)
  std::mutex mutex_;
  std::condition_variable done_;
  std::uint64_t next_id_ = 0;
  std::uint64_t pending_id_ = 0;  // 0: none
  PeerQuery pending_query_;
  std::optional<ControlSnapshot> answer_;
  std::uint64_t answer_id_ = 0;
  // Data-path thread only.
  std::optional<core::ClientState> last_state_;
  core::TimePoint state_since_{};
};

/// The snapshot parts that need no core (uptime, start time), from the process start.
void fill_process_info(ControlSnapshot& s);

}  // namespace teredo::control
