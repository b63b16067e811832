// SPDX-License-Identifier: GPL-2.0-or-later
// The daemons' terminate handler (src/daemon/terminate_handler.cpp): logs, then aborts.
#include <gtest/gtest.h>

#include <exception>
#include <stdexcept>

namespace {

void terminate_inside_handler() {
  try {
    throw std::runtime_error("boom");
  } catch (...) {
    __gnu_cxx::__verbose_terminate_handler();
  }
}

TEST(TerminateHandlerDeathTest, LogsTheUncaughtExceptionAndAborts) {
  EXPECT_DEATH(terminate_inside_handler(), "terminate: uncaught exception: boom");
}

TEST(TerminateHandlerDeathTest, WithoutAnExceptionSaysSo) {
  EXPECT_DEATH(__gnu_cxx::__verbose_terminate_handler(), "terminate called without an active exception");
}

}  // namespace
