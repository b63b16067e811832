// SPDX-License-Identifier: GPL-2.0-or-later
// Privilege drop with libcap-ng and verification that root cannot be regained.
#include "os/privileges.hpp"

#include <cap-ng.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include <cerrno>
#include <string_view>
#include <vector>

namespace teredo::os {

OsResult<TargetUser> lookup_user(const std::string& name) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  const int rc = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0) return errno_error("getpwnam", rc);
  if (found == nullptr) return errno_error("getpwnam", ENOENT);
  if (pw.pw_uid == 0) return errno_error("user", EPERM);
  // Group 0 (root) owns files a worker must never write (e.g. /etc files mode 664 root:root):
  // refused as primary and as supplementary group (initgroups would give it).
  if (pw.pw_gid == 0) return errno_error("user's group", EACCES);
  int n = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  if (::getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &n) < 0) {
    groups.resize(static_cast<std::size_t>(n));
    if (::getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &n) < 0)
      return errno_error("getgrouplist", ENOMEM);
  }
  for (int i = 0; i < n; ++i)
    if (groups[static_cast<std::size_t>(i)] == 0) return errno_error("user's group", EACCES);
  return TargetUser{name, pw.pw_uid, pw.pw_gid};
}

OsStatus drop_privileges(const TargetUser& user, const std::string& chroot_dir) {
  if (!chroot_dir.empty()) {
    struct stat st {};
    if (::stat(chroot_dir.c_str(), &st) != 0) return errno_error("stat(chroot)");
    if (!S_ISDIR(st.st_mode)) return errno_error("chroot", ENOTDIR);
    if (::chroot(chroot_dir.c_str()) != 0) return errno_error("chroot");
    if (::chdir("/") != 0) return errno_error("chdir");
  }
  // The bounding set can only be reduced while we still hold CAP_SETPCAP.
  capng_clear(CAPNG_SELECT_BOUNDS);
  if (capng_apply(CAPNG_SELECT_BOUNDS) != 0) return errno_error("capng_apply(bounding set)", EPERM);
  if (::initgroups(user.name.c_str(), user.gid) != 0) return errno_error("initgroups");
  if (::setgid(user.gid) != 0) return errno_error("setgid");
  if (::setuid(user.uid) != 0) return errno_error("setuid");
  capng_clear(CAPNG_SELECT_BOTH);
  if (capng_apply(CAPNG_SELECT_BOTH) != 0) return errno_error("capng_apply", EPERM);
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return errno_error("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno_error("prctl(PR_SET_NO_NEW_PRIVS)");

  // Verify: regaining root must fail, and nothing may be left in any capability set.
  if (::setuid(0) == 0 || ::seteuid(0) == 0) return errno_error("verify setuid(0) fails", EPERM);
  if (user.gid != 0 && (::setgid(0) == 0 || ::setegid(0) == 0))
    return errno_error("verify setgid(0) fails", EPERM);
  if (::getuid() != user.uid || ::geteuid() != user.uid) return errno_error("verify uid", EPERM);
  capng_get_caps_process();
  if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
    return errno_error("verify no capabilities", EPERM);
  return Ok{};
}

OsStatus check_chroot_dir(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return errno_error("stat");
  if (!S_ISDIR(st.st_mode)) return errno_error("chroot", ENOTDIR);
  if (::access(dir.c_str(), X_OK) != 0) return errno_error("access");
  return Ok{};
}

OsStatus prepare_empty_dir(const std::string& dir) {
  const auto slash = dir.find_last_of('/');
  const std::string parent = slash == std::string::npos || slash == 0 ? std::string() : dir.substr(0, slash);
  for (const std::string& d : {parent, dir}) {
    if (d.empty()) continue;
    if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) return errno_error("mkdir");
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return errno_error("stat");
  if (!S_ISDIR(st.st_mode)) return errno_error("stat", ENOTDIR);
  if (st.st_uid != 0) return errno_error("owner", EPERM);
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) return errno_error("mode", EPERM);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return errno_error("opendir");
  bool empty = true;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name != "." && name != "..") empty = false;
  }
  ::closedir(d);
  if (!empty) return errno_error("not empty", ENOTEMPTY);
  return Ok{};
}

static_assert(static_cast<unsigned>(Capability::SetGid) == CAP_SETGID &&
              static_cast<unsigned>(Capability::SetUid) == CAP_SETUID &&
              static_cast<unsigned>(Capability::SetPcap) == CAP_SETPCAP &&
              static_cast<unsigned>(Capability::NetBindService) == CAP_NET_BIND_SERVICE &&
              static_cast<unsigned>(Capability::NetAdmin) == CAP_NET_ADMIN &&
              static_cast<unsigned>(Capability::NetRaw) == CAP_NET_RAW &&
              static_cast<unsigned>(Capability::SysChroot) == CAP_SYS_CHROOT &&
              static_cast<unsigned>(Capability::Kill) == CAP_KILL &&
              static_cast<unsigned>(Capability::Bpf) == CAP_BPF);

OsStatus keep_only_capabilities(std::span<const Capability> caps) {
  // Keep the wanted capabilities we actually hold (a service manager may have bounded them).
  capng_get_caps_process();
  std::vector<unsigned> kept;
  for (Capability c : caps) {
    const auto cap = static_cast<unsigned>(c);
    if (capng_have_capability(CAPNG_PERMITTED, cap) != 0) kept.push_back(cap);
  }
  capng_clear(CAPNG_SELECT_ALL);
  for (unsigned cap : kept) {
    if (capng_update(CAPNG_ADD,
                     static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET),
                     cap) != 0)
      return errno_error("capng_update", EINVAL);
  }
  if (capng_apply(CAPNG_SELECT_ALL) != 0) return errno_error("capng_apply", EPERM);
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return errno_error("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
  capng_get_caps_process();
  for (unsigned cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    bool wanted = false;
    for (unsigned c : kept) wanted = wanted || c == cap;
    if (capng_have_capability(CAPNG_PERMITTED, cap) != (wanted ? 1 : 0))
      return errno_error("verify capabilities", EPERM);
  }
  return Ok{};
}

}  // namespace teredo::os
