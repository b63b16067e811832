// SPDX-License-Identifier: GPL-2.0-or-later
// Forking with a channel (os/child.hpp) against the real kernel: the ready handshake both ways,
// the request channel, what the child keeps open, reaping and wait statuses.
#include "os/child.hpp"

#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "os/helper_process.hpp"

namespace teredo::os {
namespace {

// Descriptors open in the calling process.
int open_descriptors() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (const dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
  }
  return n - 1;  // the directory stream's own
}

TEST(Child, ReadyByteReachesTheParent) {
  auto child = fork_child(ChannelKind::ReadyPipe, [](Fd ready) { return send_ready(ready, 'r') ? 0 : 1; });
  ASSERT_TRUE(child) << child.error().message();
  EXPECT_EQ(read_ready(child->channel), 'r');
  auto status = wait_child(child->pid);
  ASSERT_TRUE(status);
  EXPECT_TRUE(exited_cleanly(*status));
}

TEST(Child, ExitBeforeReadyIsSeenAsFailure) {
  auto child = fork_child(ChannelKind::ReadyPipe, [](Fd) { return 3; });
  ASSERT_TRUE(child);
  EXPECT_FALSE(read_ready(child->channel));  // EOF: the child is gone
  auto status = reap_child(child->pid, true);
  ASSERT_TRUE(status);
  EXPECT_EQ(exit_status(*status), 3);
  EXPECT_EQ(describe_wait_status(*status), "exited with status 3");
}

TEST(Child, KeepsOnlyStdioAndItsChannel) {
  const Fd extra(::dup(0));  // an unrelated descriptor the child must not inherit
  auto child = fork_child(ChannelKind::ReadyPipe, [](Fd) { return open_descriptors(); });
  ASSERT_TRUE(child);
  auto status = wait_child(child->pid);
  ASSERT_TRUE(status);
  EXPECT_EQ(exit_status(*status), 4);  // 0, 1, 2 and the channel
}

TEST(Child, SeqPacketChannelCarriesMessagesBothWays) {
  auto child = fork_child(ChannelKind::SeqPacket, [](Fd channel) {
    std::uint8_t buf[16];
    auto n = receive_message(channel, buf);
    if (!n || *n != 5) return 1;
    buf[0] = 'H';
    return send_message(channel, proto::ByteView{buf, 5}) ? 0 : 2;
  });
  ASSERT_TRUE(child);
  const std::uint8_t hello[] = {'h', 'e', 'l', 'l', 'o'};
  ASSERT_TRUE(send_message(child->channel, hello));
  std::uint8_t back[16];
  auto n = receive_message(child->channel, back);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(back), *n), "Hello");
  auto status = wait_child(child->pid);
  ASSERT_TRUE(status);
  EXPECT_TRUE(exited_cleanly(*status));
}

TEST(Child, SignalledChildReportsItsSignal) {
  auto child = fork_child(ChannelKind::ReadyPipe, [](Fd ready) {
    (void)send_ready(ready, 1);
    ::pause();
    return 0;
  });
  ASSERT_TRUE(child);
  ASSERT_TRUE(read_ready(child->channel));
  EXPECT_FALSE(reap_child(child->pid, false));  // still running
  signal_process(child->pid, SIGKILL);
  auto status = reap_child(child->pid, true);
  ASSERT_TRUE(status);
  EXPECT_EQ(killing_signal(*status), SIGKILL);
  EXPECT_EQ(exit_status(*status), -1);
  EXPECT_FALSE(exited_cleanly(*status));
}

}  // namespace
}  // namespace teredo::os
