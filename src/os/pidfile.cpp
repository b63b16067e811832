// SPDX-License-Identifier: GPL-2.0-or-later
// Pidfile creation, locking and removal.
#include "os/pidfile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace teredo::os {

OsResult<PidFile> PidFile::create(const std::string& path) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd) return errno_error("open");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_error("fstat");
  if (!S_ISREG(st.st_mode)) return errno_error("open", EINVAL);
  if (::lockf(fd.get(), F_TLOCK, 0) != 0) return errno_error("lockf");
  if (::ftruncate(fd.get(), 0) != 0) return errno_error("ftruncate");
  const std::string text = std::to_string(::getpid()) + "\n";
  if (::pwrite(fd.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
    return errno_error("write");
  (void)::fdatasync(fd.get());
  return PidFile(path, std::move(fd));
}

PidFile::~PidFile() {
  if (!fd_) return;
  if (::unlink(path_.c_str()) != 0) (void)!::ftruncate(fd_.get(), 0);
}

bool is_locked_by_other(const OsError& e) {
  return std::string_view(e.operation) == "lockf" && (e.code.value() == EAGAIN || e.code.value() == EACCES);
}

}  // namespace teredo::os
