// SPDX-License-Identifier: GPL-2.0-or-later
// Process-wide facts and settings a daemon needs at start-up: who it runs as, how many CPUs it may
// use, its malloc arenas, no_new_privs, /dev/null for stdio, and the few look-ups (group names,
// interface names, executable files) the configuration and the helper make.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "os/fd.hpp"
#include "os/os_result.hpp"

namespace teredo::os {

/// True when the effective user is root.
bool is_root();
/// PR_SET_NO_NEW_PRIVS: no execve may ever grant more privileges.
OsStatus set_no_new_privs();
/// One malloc arena for all threads: the data-path threads do not allocate per packet, and an
/// arena each would keep pages resident (idle memory).
void use_one_malloc_arena();
/// Returns the heap pages that are free to the kernel (malloc_trim).
void trim_heap();
/// The CPUs this process may run on (sched_getaffinity; at least 1).
unsigned usable_cpus();
/// Raises the calling thread's nice value to `nice` (best effort: the control thread yields the CPU
/// to the data path).
void lower_thread_priority(int nice);
/// CPU time the calling thread has used (CLOCK_THREAD_CPUTIME_ID); 0 if the clock is refused.
std::chrono::nanoseconds thread_cpu_time();
/// True when `path` names a file the process may execute (access X_OK).
bool is_executable(const std::string& path);
/// The id of the group `name`, nullopt if there is none.
std::optional<unsigned> group_id(const std::string& name);
/// The name of the interface with index `ifindex`, empty if there is none.
std::string interface_name(int ifindex);

/// /dev/null, read-write, close-on-exec.
OsResult<Fd> open_dev_null();
/// Points descriptors 0, 1 and 2 at `fd`.
OsStatus redirect_stdio(const Fd& fd);

/// A file's whole contents (configuration files).
OsResult<std::string> read_file(const std::string& path);

}  // namespace teredo::os
