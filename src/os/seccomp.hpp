// A seccomp allow-list (libseccomp) for the processes that parse network data: what the data
// paths, their logging and their shutdown need, and nothing that opens new files, creates
// network sockets, executes programs or changes credentials (architecture.md 7.2).
#pragma once

#include "os/os_result.hpp"

namespace teredo::os {

/// Installs the filter on the calling thread and every thread it creates later (call it in the
/// main thread before starting the others; PR_SET_NO_NEW_PRIVS must already be set).
///
/// Allowed: socket I/O on existing descriptors (the whole send/recv family with ancillary data,
/// sendmmsg/recvmmsg, readv/writev, getsockopt/setsockopt), epoll/poll, timerfd/eventfd, clocks
/// and sleeps, memory management, threads (clone, futex, rseq), signals, getrandom, fcntl,
/// ioctl, fstat, close, waiting for a child, accept on a listening socket (the control
/// channel), and socket(AF_UNIX) + connect for syslog's reconnection. Path-based file-system
/// calls (open, stat, access, unlink, rename, mkdir...) fail with EACCES.
/// Everything else kills the process (SIGSYS): the supervisor logs it.
OsStatus install_seccomp_filter();

}  // namespace teredo::os
