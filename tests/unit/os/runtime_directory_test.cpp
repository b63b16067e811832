// SPDX-License-Identifier: GPL-2.0-or-later
// $RUNTIME_DIRECTORY (a unit's RuntimeDirectory=) picks the control socket and chroot of a daemon
// under systemd; the compiled-in default otherwise.
#include "os/runtime_directory.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace teredo::os {
namespace {

TEST(RuntimeDirectory, DefaultOutsideSystemd) {
  ::unsetenv("RUNTIME_DIRECTORY");
  EXPECT_EQ(runtime_directory_path("/run/teredod/teredod.sock", "teredod.sock"), "/run/teredod/teredod.sock");
}

TEST(RuntimeDirectory, UnitDirectoryWins) {
  ::setenv("RUNTIME_DIRECTORY", "/run/teredod@relay", 1);
  EXPECT_EQ(runtime_directory_path("/run/teredod/teredod.sock", "teredod.sock"),
            "/run/teredod@relay/teredod.sock");
  ::setenv("RUNTIME_DIRECTORY", "/run/teredod-server/:/run/other", 1);  // several: the first
  EXPECT_EQ(runtime_directory_path("/x", "empty"), "/run/teredod-server/empty");
  ::setenv("RUNTIME_DIRECTORY", "relative", 1);  // not systemd's: ignored
  EXPECT_EQ(runtime_directory_path("/x", "empty"), "/x");
  ::setenv("RUNTIME_DIRECTORY", "", 1);
  EXPECT_EQ(runtime_directory_path("/x", "empty"), "/x");
  ::unsetenv("RUNTIME_DIRECTORY");
}

}  // namespace
}  // namespace teredo::os
