// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the request slot between the control thread and a data-path thread (control/port).
#include "control/port.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "os/poll_set.hpp"

namespace teredo::control {
namespace {

TEST(ControlPortTest, RequestAnsweredByDataPathThread) {
  auto port = ControlPort::create();
  ASSERT_TRUE(port);
  core::RelayConfig config;
  config.max_peers = 16;
  config.queue_packets_total = 16;
  core::Relay relay(config, std::chrono::steady_clock::now());
  std::atomic<bool> stop{false};
  // The "data path": waits for the eventfd as the worker's epoll loop does, then serves.
  std::thread data_path([&] {
    os::PollSet poll;
    poll.add((*port)->fd(), os::PollSet::kReadable);
    while (!stop) {
      if (auto n = poll.wait(50); n && *n > 0)
        (*port)->serve(
            [&](const PeerQuery& q) { return snapshot_of(relay, q, std::chrono::steady_clock::now()); });
    }
  });
  for (int i = 0; i < 20; ++i) {
    auto s = (*port)->request(PeerQuery{}, std::chrono::milliseconds(2000));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->role, "cone");
    EXPECT_EQ(s->peer_count, 0u);
  }
  stop = true;
  data_path.join();
  // Nobody serves: the request times out instead of blocking.
  EXPECT_FALSE((*port)->request(PeerQuery{}, std::chrono::milliseconds(50)));
}

}  // namespace
}  // namespace teredo::control
