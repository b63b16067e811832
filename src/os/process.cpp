// SPDX-License-Identifier: GPL-2.0-or-later
// Process-wide settings and look-ups.
#include "os/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <net/if.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace teredo::os {

bool is_root() {
  return ::geteuid() == 0;
}

OsStatus set_no_new_privs() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno_error("prctl(PR_SET_NO_NEW_PRIVS)");
  return Ok{};
}

void use_one_malloc_arena() {
  (void)::mallopt(M_ARENA_MAX, 1);
}

void trim_heap() {
  ::malloc_trim(0);
}

void lower_thread_priority(int nice) {
  (void)::setpriority(PRIO_PROCESS, 0, nice);  // 0: the calling thread
}

std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return std::chrono::nanoseconds{0};
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

unsigned usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  const int n = CPU_COUNT(&set);
  return n > 0 ? static_cast<unsigned>(n) : 1u;
}

bool is_executable(const std::string& path) {
  return ::access(path.c_str(), X_OK) == 0;
}

std::optional<unsigned> group_id(const std::string& name) {
  std::vector<char> buf(16384);
  group gr{};
  group* found = nullptr;
  if (::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found) != 0 || found == nullptr)
    return std::nullopt;
  return found->gr_gid;
}

std::string interface_name(int ifindex) {
  char name[IF_NAMESIZE] = {};
  if (ifindex <= 0 || ::if_indextoname(static_cast<unsigned>(ifindex), name) == nullptr) return {};
  return name;
}

OsResult<Fd> open_dev_null() {
  Fd fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!fd) return errno_error("open(/dev/null)");
  return fd;
}

OsStatus redirect_stdio(const Fd& fd) {
  for (int target = 0; target <= 2; ++target)
    if (::dup2(fd.get(), target) < 0) return errno_error("dup2");
  return Ok{};
}

OsResult<std::string> read_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return errno_error("open");
  std::string text;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n > 0) {
      text.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return text;
    if (errno != EINTR) return errno_error("read");
  }
}

}  // namespace teredo::os
