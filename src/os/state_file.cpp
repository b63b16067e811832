// SPDX-License-Identifier: GPL-2.0-or-later
// Small state files (state_file.hpp).
#include "os/state_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "os/fd.hpp"

namespace teredo::os {

OsStatus prepare_state_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) {
    if (::chmod(dir.c_str(), 0755) != 0) return errno_error("chmod");  // whatever the umask
  } else if (errno != EEXIST) {
    return errno_error("mkdir");
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return errno_error("stat");
  if (!S_ISDIR(st.st_mode)) return errno_error("stat", ENOTDIR);
  if (st.st_uid != ::geteuid()) return errno_error("owner", EPERM);
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) return errno_error("mode", EPERM);
  return Ok{};
}

OsResult<std::optional<std::string>> read_state_file(const std::string& path, std::size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd) {
    if (errno == ENOENT) return std::optional<std::string>();
    return errno_error("open");
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_error("fstat");
  if (!S_ISREG(st.st_mode)) return errno_error("open", EINVAL);
  std::string text;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read");
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) return errno_error("read", EFBIG);
  }
  return std::optional<std::string>(std::move(text));
}

OsStatus write_state_file(const std::string& path, const std::string& contents) {
  const std::string next = path + ".new";
  (void)::unlink(next.c_str());  // a leftover of a write that did not finish
  Fd fd(::open(next.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd) return errno_error("open");
  std::size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd.get(), contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      (void)::unlink(next.c_str());
      return errno_error("write", err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    const int err = errno;
    (void)::unlink(next.c_str());
    return errno_error("fsync", err);
  }
  fd.reset();
  if (::rename(next.c_str(), path.c_str()) != 0) {
    const int err = errno;
    (void)::unlink(next.c_str());
    return errno_error("rename", err);
  }
  return Ok{};
}

OsStatus remove_state_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return errno_error("unlink");
  return Ok{};
}

}  // namespace teredo::os
