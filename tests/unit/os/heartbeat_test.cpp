// SPDX-License-Identifier: GPL-2.0-or-later
// The data path's heartbeats (os/heartbeat.hpp): what a worker process's thread notes in the shared
// page is what the supervisor reads; a turn longer than the limit names its thread; waiting threads
// and short turns do not.
#include "os/heartbeat.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace teredo::os {
namespace {

TEST(Heartbeat, ATurnNotedInTheWorkerProcessIsSeenByTheSupervisor) {
  auto board = HeartbeatBoard::create();
  ASSERT_TRUE(board) << board.error().message();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // the worker: thread 3 begins a turn and never ends it
    board->slot(3).working();
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  const std::uint64_t now = monotonic_coarse_ms();
  EXPECT_FALSE(board->stuck(now, 60000));  // not long enough yet
  const auto stuck = board->stuck(now + 5000, 1000);
  ASSERT_TRUE(stuck);
  EXPECT_EQ(stuck->index, 3U);
  EXPECT_GE(stuck->for_ms, 4000U);
}

TEST(Heartbeat, WaitingThreadsAndClearedBoardsAreNotStuck) {
  auto board = HeartbeatBoard::create();
  ASSERT_TRUE(board);
  const std::uint64_t now = monotonic_coarse_ms();
  EXPECT_FALSE(board->stuck(now + 100000, 1000));  // nothing noted: every thread waits
  board->slot(0).working();
  board->slot(7).working();
  board->slot(0).waiting();  // thread 0's turn ended
  auto stuck = board->stuck(now + 100000, 1000);
  ASSERT_TRUE(stuck);
  EXPECT_EQ(stuck->index, 7U);
  board->clear();  // a new worker
  EXPECT_FALSE(board->stuck(now + 100000, 1000));
  board->slot(HeartbeatBoard::kSlots).working();  // past the last slot: no-op, no crash
  Heartbeat().working();                          // no board at all
  EXPECT_FALSE(board->stuck(now + 100000, 1000));
}

}  // namespace
}  // namespace teredo::os
