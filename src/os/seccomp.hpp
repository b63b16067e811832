// SPDX-License-Identifier: GPL-2.0-or-later
// A seccomp allow-list (libseccomp) for the processes that parse network data: what the data
// paths, their logging and their shutdown need, and nothing that opens new files, creates
// network sockets (but a client's UDP sockets on random ports, when asked), executes programs or
// changes credentials (architecture.md 7.2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "os/os_result.hpp"

namespace teredo::os {

struct SeccompOptions {
  /// A client's data path opens a UDP socket on a random port per peer behind a symmetric NAT
  /// (RFC 6081 3.3, 3.4): socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP)
  /// exactly, and bind (whose address libseccomp cannot inspect; unprivileged, it reaches no
  /// port below 1024).
  bool udp_sockets = false;
  /// The short-lived process that talks to a UPnP IGD (roles/upnp_child.hpp): SSDP over UDP and
  /// SOAP over TCP, so socket(AF_INET, any type) and bind; socket(AF_INET6) and
  /// socket(AF_NETLINK) (glibc's address look-ups) fail softly with EAFNOSUPPORT.
  bool igd_client = false;
  /// Where the process reports a forbidden call before it dies: a log channel's descriptor
  /// (log_forward.hpp; the supervisor reads it and names the call), or -1 for stderr.
  int report_fd = -1;
};

/// A forbidden system call, as a confined process reports it (report_seccomp_violation's text).
struct SeccompViolation {
  int number = -1;
  std::uint32_t arch = 0;  // AUDIT_ARCH_* of the call
};

/// The report's text: "seccomp: system call NUMBER (arch 0xARCH) is outside the allow-list".
/// nullopt when `text` is not one.
std::optional<SeccompViolation> parse_seccomp_report(std::string_view text);

/// "41 (socket)": the number and, when libseccomp knows it for that architecture, the name.
std::string describe_syscall(const SeccompViolation& v);

/// Installs the filter on the calling thread and every thread it creates later (call it in the
/// main thread before starting the others; PR_SET_NO_NEW_PRIVS must already be set).
///
/// Allowed: socket I/O on existing descriptors (the whole send/recv family with ancillary data,
/// sendmmsg/recvmmsg, readv/writev, getsockopt/setsockopt), epoll/poll, timerfd/eventfd, clocks
/// and sleeps, memory management, threads (clone, futex, rseq), signals, getrandom, fcntl,
/// fstat, close, waiting for a child, accept on a listening socket (the control channel), and
/// socket(AF_UNIX) + connect for syslog's reconnection. Some only with given arguments: ioctl
/// with a few commands (FIONREAD, FIONBIO, FIOCLEX, FIONCLEX, TCGETS, TUNSETOFFLOAD, TUNGETIFF:
/// no TIOCSTI, no TUNSETPERSIST/TUNSETOWNER/TUNSETGROUP), prctl with thread names and read-only
/// queries, prlimit64 on the process itself, tgkill within its own thread group.
/// Path-based file-system calls (open, stat, access, unlink, rename, mkdir...) fail with EACCES.
/// With options.udp_sockets, also new UDP/IPv4 sockets and bind; with options.igd_client, any
/// IPv4 socket and bind (SeccompOptions).
/// Everything else kills the process with SIGSYS, after it has reported which call it made
/// (SeccompOptions::report_fd): the filter traps (SECCOMP_RET_TRAP), a SIGSYS handler installed
/// here writes the call's number from its siginfo (async-signal-safe) and raises SIGSYS again
/// with the default action (SA_RESETHAND). The filter lets no one replace that handler
/// (rt_sigaction on SIGSYS is refused), and the kernel unblocks a trapped SIGSYS, so a process
/// taken over cannot survive a forbidden call any more than under SECCOMP_RET_KILL_PROCESS.
OsStatus install_seccomp_filter(const SeccompOptions& options = {});

/// The client helper with a HookScript, and every program the hook runs (a filter is inherited
/// across execve): default allow, so that any script works, but calls no hook needs fail with
/// EPERM: new namespaces (unshare, setns, clone with CLONE_NEW*), mount and chroot, ptrace and
/// process_vm_*, BPF, perf events, io_uring, userfaultfd, kernel keyrings, modules, kexec,
/// reboot, swap, the clock, and TIOCSTI. Call after PR_SET_NO_NEW_PRIVS.
OsStatus install_hook_filter();

}  // namespace teredo::os
