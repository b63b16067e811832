// SPDX-License-Identifier: GPL-2.0-or-later
// The pidfile: a single-instance lock (lockf) that also records the daemon's pid.
#pragma once

#include <string>

#include "os/fd.hpp"
#include "os/os_result.hpp"

namespace teredo::os {

/// Created by the process that will run the daemon (locks are not inherited across fork).
/// Opened with O_NOFOLLOW and required to be a regular file. On destruction the file is
/// unlinked; when that is no longer permitted (privileges dropped, chroot), it is truncated
/// to zero bytes through the still-open descriptor so it names no stale pid.
class PidFile {
 public:
  /// Fails with operation "lockf" and EAGAIN/EACCES when another process holds the lock.
  static OsResult<PidFile> create(const std::string& path);

  PidFile(PidFile&&) noexcept = default;
  PidFile& operator=(PidFile&&) noexcept = default;
  ~PidFile();

  const std::string& path() const { return path_; }

  /// In a forked child (which holds no lock): close the descriptor and forget the file, so
  /// that neither the destructor nor a compromised child can touch it.
  void close_in_child() {
    fd_.reset();
    path_.clear();
  }

 private:
  PidFile(std::string path, Fd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  std::string path_;
  Fd fd_;
};

/// True when `e` from PidFile::create means "already locked by another instance".
bool is_locked_by_other(const OsError& e);

}  // namespace teredo::os
