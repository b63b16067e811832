// SPDX-License-Identifier: GPL-2.0-or-later
// Process-wide facts and look-ups (os/process.hpp) against the real system.
#include "os/process.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "support/netns.hpp"

namespace teredo::os {
namespace {

TEST(Process, Facts) {
  EXPECT_GE(usable_cpus(), 1u);
  EXPECT_EQ(is_root(), ::geteuid() == 0);
  EXPECT_TRUE(is_executable("/bin/sh"));
  EXPECT_FALSE(is_executable("/nonexistent/teredod-hook"));
  EXPECT_EQ(group_id("root"), 0u);
  EXPECT_FALSE(group_id("no-such-group-teredod"));
  auto null = open_dev_null();
  ASSERT_TRUE(null);
  EXPECT_EQ(::write(null->get(), "x", 1), 1);
}

TEST(Process, ReadsWholeFiles) {
  char name[] = "/tmp/teredod-read.XXXXXX";
  const int fd = ::mkstemp(name);
  ASSERT_GE(fd, 0);
  ::close(fd);
  const std::string text(10000, 'a');
  std::ofstream(name) << text;
  auto r = read_file(name);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, text);
  ::unlink(name);
  auto missing = read_file(name);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code.value(), ENOENT);
}

TEST(Process, InterfaceNames) {
  TEREDO_NETNS_OR_SKIP();
  EXPECT_EQ(interface_name(1), "lo");  // the loopback is interface 1 in a new namespace
  EXPECT_EQ(interface_name(9999), "");
}

}  // namespace
}  // namespace teredo::os
