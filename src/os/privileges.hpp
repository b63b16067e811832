// SPDX-License-Identifier: GPL-2.0-or-later
// Dropping root for good: optional chroot, switch to an unprivileged user, clear every
// capability, forbid regaining privileges, and verify that it worked (architecture.md 7.2).
#pragma once

#include <sys/types.h>
#include <span>
#include <string>

#include "os/os_result.hpp"

namespace teredo::os {

/// A user to switch to, resolved while /etc/passwd is still reachable (before chroot).
struct TargetUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

/// Looks the user up with getpwnam. Refuses unknown users, users with uid 0 and users in group 0,
/// primary or supplementary (operation "getpwnam" with ENOENT, "user" with EPERM, or "user's
/// group" with EACCES).
OsResult<TargetUser> lookup_user(const std::string& name);

/// Call once, from the main thread, before any other thread exists (credentials and
/// capabilities are per thread in the kernel). In order: chroot(chroot_dir)+chdir("/") when
/// chroot_dir is not empty; drop the capability bounding set; initgroups; setgid; setuid;
/// clear all capability sets; PR_SET_NO_NEW_PRIVS; then check that setuid(0) and setgid(0)
/// fail and no capability is left. Any failure is fatal for the caller.
OsStatus drop_privileges(const TargetUser& user, const std::string& chroot_dir);

/// Checks that `dir` can serve as a chroot: an existing, searchable directory (operation
/// "stat", "chroot" with ENOTDIR, or "access").
OsStatus check_chroot_dir(const std::string& dir);

/// Makes sure `dir` (and its parent) exist as root-owned directories, mode 0755, that `dir` is
/// not writable by group or others, and that it is empty: the default chroot, where a
/// compromised worker finds nothing at all. Failures: operation "mkdir", "stat", "owner"
/// (EPERM), "mode" (EPERM), "opendir" or "not empty" (ENOTEMPTY).
OsStatus prepare_empty_dir(const std::string& dir);

/// The capabilities a supervisor may keep for its workers' set-up (linux/capability.h numbers).
enum class Capability : unsigned {
  SetGid = 6,           // CAP_SETGID
  SetUid = 7,           // CAP_SETUID
  SetPcap = 8,          // CAP_SETPCAP: shrink the bounding set
  NetBindService = 10,  // CAP_NET_BIND_SERVICE
  NetAdmin = 12,        // CAP_NET_ADMIN
  NetRaw = 13,          // CAP_NET_RAW
  SysChroot = 18,       // CAP_SYS_CHROOT
  Kill = 5,             // CAP_KILL
  Bpf = 39,             // CAP_BPF
};

/// For a supervisor that stays root: keep only `caps` (those not held to begin with are skipped)
/// in the effective, permitted and bounding sets, clear the inheritable and ambient sets, and
/// verify.
OsStatus keep_only_capabilities(std::span<const Capability> caps);

}  // namespace teredo::os
