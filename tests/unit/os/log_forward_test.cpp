// SPDX-License-Identifier: GPL-2.0-or-later
// os/log_forward.hpp over a real socketpair: a worker's line reaches the supervisor whole, and
// whatever a worker taken over sends is checked there (priority, length, control bytes).
#include "os/log_forward.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>

namespace teredo::os {
namespace {

TEST(LogForward, ALineArrivesWithItsPriority) {
  auto channel = open_log_channel();
  ASSERT_TRUE(channel) << channel.error().message();
  send_log_record(channel->second.get(), LogPriority::Warning, "peer table full");
  auto r = receive_log_record(channel->first);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->priority, LogPriority::Warning);
  EXPECT_EQ(r->text, "peer table full");
  EXPECT_FALSE(receive_log_record(channel->first));  // nothing more queued: no wait
}

TEST(LogForward, AStatusLineIsTaggedAndCheckedLikeALogLine) {
  auto channel = open_log_channel();
  ASSERT_TRUE(channel);
  send_log_record(channel->second.get(), LogPriority::Notice, "qualified: address 2001:0:c000:201::1");
  send_status_record(channel->second.get(), "qualified as 2001:0:c000:201::1\nREADY=1");
  auto log_line = receive_log_record(channel->first);
  ASSERT_TRUE(log_line);
  EXPECT_FALSE(log_line->status);
  auto status = receive_log_record(channel->first);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->status);
  // A newline would let a worker add its own variables (READY=1, MAINPID=) to the STATUS= datagram.
  EXPECT_EQ(status->text, "qualified as 2001:0:c000:201::1?READY=1");
}

TEST(LogForward, WhatAWorkerSendsIsChecked) {
  auto channel = open_log_channel();
  ASSERT_TRUE(channel);
  const int out = channel->second.get();
  const std::string bad_priority = std::string(1, '\x09') + "forged";
  ASSERT_EQ(::send(out, bad_priority.data(), bad_priority.size(), 0),
            static_cast<ssize_t>(bad_priority.size()));
  const std::string control = std::string(1, '\x01') + "line\nforged: root\x1b[2J";
  ASSERT_EQ(::send(out, control.data(), control.size(), 0), static_cast<ssize_t>(control.size()));
  send_log_record(out, LogPriority::Info, std::string(5000, 'a'));
  ASSERT_EQ(::send(out, "", 0, 0), 0);  // an empty datagram: no priority at all

  auto r = receive_log_record(channel->first);  // the bad priority was skipped
  ASSERT_TRUE(r);
  EXPECT_EQ(r->priority, LogPriority::Info);
  EXPECT_EQ(r->text, "line?forged: root?[2J");
  r = receive_log_record(channel->first);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text.size(), kMaxLogRecord);
  EXPECT_FALSE(receive_log_record(channel->first));
}

}  // namespace
}  // namespace teredo::os
