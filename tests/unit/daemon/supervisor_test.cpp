// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the supervisor's pure logic: what a reload compares and how it reports changes.
#include "daemon/supervisor.hpp"

#include <gtest/gtest.h>
#include <sys/syscall.h>

#include <csignal>

namespace teredo::daemon {
namespace {

TEST(DescribeChanges, IdenticalSettingsAreUnchanged) {
  const EffectiveSettings a = {{"BindPort", "3545"}, {"InterfaceMTU", "1280"}};
  EXPECT_EQ(describe_changes(a, a), "");
}

TEST(DescribeChanges, NamesEachChangedSettingInOrder) {
  const EffectiveSettings a = {{"BindPort", "0"}, {"InterfaceMTU", "1280"}, {"MaxPeers", "16"}};
  const EffectiveSettings b = {{"BindPort", "3600"}, {"InterfaceMTU", "1280"}, {"MaxPeers", "32"}};
  EXPECT_EQ(describe_changes(a, b), "BindPort 0 -> 3600, MaxPeers 16 -> 32");
}

TEST(DescribeChanges, AddedAndRemovedSettingsShowUnset) {
  const EffectiveSettings a = {{"RelayType", "cone"}, {"Prefix", "2001::/32"}};
  const EffectiveSettings b = {{"RelayType", "client"}, {"HookScript", "/x"}};
  EXPECT_EQ(describe_changes(a, b),
            "RelayType cone -> client, HookScript (unset) -> /x, Prefix 2001::/32 -> (unset)");
}

TEST(DescribeChanges, AnEmptyValueCountsAsUnset) {
  EXPECT_EQ(describe_changes({{"HookScript", ""}}, {{"HookScript", ""}}), "");
  EXPECT_EQ(describe_changes({{"HookScript", "/a"}}, {{"HookScript", ""}}), "HookScript /a -> (unset)");
}

// A worker killed by SIGSYS: the log names the call it reported (os::SeccompOptions::report_fd).
TEST(SigsysHint, NamesTheReportedCall) {
  EXPECT_EQ(sigsys_hint(SIGSYS, os::SeccompViolation{SYS_socket, 0}),
            ": it made system call " + std::to_string(SYS_socket) +
                " (socket), outside its seccomp allow-list; please report this bug");
  EXPECT_EQ(sigsys_hint(SIGSYS, std::nullopt),
            ": it made a system call outside its seccomp allow-list; please report this bug");
  EXPECT_EQ(sigsys_hint(SIGSEGV, os::SeccompViolation{SYS_socket, 0}), "");
}

}  // namespace
}  // namespace teredo::daemon
