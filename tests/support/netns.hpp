// SPDX-License-Identifier: GPL-2.0-or-later
// Tests against the real kernel without touching the host: the test process moves into a network
// namespace of its own (as root; otherwise into a user namespace that maps the user to root, with a
// network namespace), with the loopback up and the given IPv4 addresses on it (architecture.md 7.7
// item 3). Each gtest case runs as its own process under ctest, so each gets a fresh namespace.
#pragma once

#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>

namespace teredo::test {

namespace detail {

inline bool write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  return static_cast<bool>(f.flush());
}

}  // namespace detail

/// Enters the namespaces (once per process) and configures the loopback: up, with each of
/// `lo_addresses` ("198.51.100.20/32"). nullopt when ready, else why not (the caller skips loudly:
/// TEREDO_NETNS_SKIP below).
inline std::optional<std::string> enter_test_namespace(std::initializer_list<const char*> lo_addresses = {}) {
  static std::optional<std::string> entered;
  static bool done = false;
  if (!done) {
    done = true;
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    if (uid == 0) {
      if (::unshare(CLONE_NEWNET) != 0)
        entered = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
    } else if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
      entered = std::string("unshare(CLONE_NEWUSER|CLONE_NEWNET): ") + std::strerror(errno);
    } else if (!detail::write_file("/proc/self/setgroups", "deny") ||
               !detail::write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
               !detail::write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1")) {
      entered = "cannot map the user to root in the new user namespace";
    }
    if (!entered && std::system("ip link set lo up") != 0)
      entered = "ip link set lo up failed (iproute2 installed?)";
  }
  if (entered) return entered;
  for (const char* a : lo_addresses) {
    const std::string cmd = std::string("ip addr replace ") + a + " dev lo";
    if (std::system(cmd.c_str()) != 0) return cmd + " failed";
  }
  return std::nullopt;
}

}  // namespace teredo::test

/// In a test: enter the namespace with these loopback addresses, or skip the test with a banner.
#define TEREDO_NETNS_OR_SKIP(...)                                                                     \
  do {                                                                                                \
    if (auto why_ = ::teredo::test::enter_test_namespace({__VA_ARGS__})) {                            \
      std::fprintf(stderr, "### SKIPPED: needs a network namespace of its own: %s\n", why_->c_str()); \
      GTEST_SKIP() << "needs a network namespace: " << *why_;                                         \
    }                                                                                                 \
  } while (0)
