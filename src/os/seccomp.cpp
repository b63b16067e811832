// SPDX-License-Identifier: GPL-2.0-or-later
// libseccomp allow-list for worker processes.
#include "os/seccomp.hpp"

#include <linux/audit.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>

#include "os/system_log.hpp"

namespace teredo::os {

namespace {

// Names, not numbers: libseccomp resolves them for the build architecture and skips the ones
// the architecture lacks (e.g. "time" on some). Grouped by purpose; found with `strace -f -c`
// over the netns tests in every role, shutdown and error paths included.
constexpr const char* kAllowed[] = {
    // descriptor I/O
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "preadv",
    "pwritev",
    "preadv2",
    "pwritev2",
    "close",
    "lseek",
    "ftruncate",
    "fsync",
    "fdatasync",
    "fstat",
    "newfstatat",
    "statx",
    "fcntl",
    "dup",
    "dup2",
    "dup3",
    "pipe2",
    // sockets that already exist (the performance work may use any member of the family)
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "sendmmsg",
    "recvmmsg",
    "recvmmsg_time64",
    "getsockname",
    "getpeername",
    "getsockopt",
    "setsockopt",
    "shutdown",
    "connect",
    "accept",
    "accept4",
    // event loops and timers
    "epoll_wait",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_ctl",
    "epoll_create1",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "timerfd_create",
    "timerfd_settime",
    "timerfd_gettime",
    "eventfd2",
    "clock_gettime",
    "clock_getres",
    "clock_nanosleep",
    "nanosleep",
    "gettimeofday",
    "time",
    // memory
    "mmap",
    "munmap",
    "mprotect",
    "mremap",
    "madvise",
    "brk",
    "membarrier",
    // threads and processes
    "clone",
    "clone3",
    "futex",
    "futex_waitv",
    "set_robust_list",
    "get_robust_list",
    "rseq",
    "set_tid_address",
    "sched_yield",
    "sched_getaffinity",
    "sched_setaffinity",
    "getpid",
    "gettid",
    "getppid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getresuid",
    "getresgid",
    "getgroups",
    "exit",
    "exit_group",
    "wait4",
    "waitid",
    "uname",
    "getrlimit",
    "getrusage",
    "restart_syscall",
    // signals
    "rt_sigprocmask",
    "rt_sigreturn",
    "rt_sigtimedwait",
    "sigaltstack",
    "signalfd4",
    // randomness
    "getrandom",
};

// Calls allowed only with some arguments (anything else kills the process like any call outside
// the list). ioctl: the commands a data path may issue on its descriptors, compared on the low 32
// bits the kernel reads (an ioctl command is an unsigned int): never TIOCSTI (keystrokes into a
// terminal), TUNSETPERSIST, TUNSETOWNER or TUNSETGROUP (a TUN device outliving the daemon).
constexpr unsigned long kAllowedIoctls[] = {
    FIONREAD,      FIONBIO, FIOCLEX, FIONCLEX,
    TCGETS,         // isatty(3) in stdio: a read
    TUNSETOFFLOAD,  // offloads of the TUN device the process holds
    TUNGETIFF,
};
// prctl: thread names and read-only queries; never PR_SET_DUMPABLE, PR_SET_PTRACER, PR_SET_MM...
constexpr int kAllowedPrctls[] = {
    PR_SET_NAME,       PR_GET_NAME,         PR_GET_DUMPABLE, PR_CAPBSET_READ,
    PR_GET_SECUREBITS, PR_GET_NO_NEW_PRIVS, PR_SET_VMA,
};

struct ContextDeleter {
  void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};

// `action` for each call named (names the architecture lacks are skipped).
OsStatus add_rules(scmp_filter_ctx ctx, std::uint32_t action, std::span<const char* const> names) {
  for (const char* name : names) {
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    if (int rc = seccomp_rule_add(ctx, action, nr, 0); rc != 0) return errno_error("seccomp_rule_add", -rc);
  }
  return Ok{};
}

constexpr std::string_view kReportPrefix = "seccomp: system call ";

std::atomic<int> g_report_fd{-1};

// Appends `v` in `base` (10 or 16) at `p`; returns the end. Async-signal-safe.
char* append_number(char* p, std::uint64_t v, unsigned base) {
  char digits[24];
  std::size_t n = 0;
  do {
    digits[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v != 0);
  while (n != 0) *p++ = digits[--n];
  return p;
}

char* append_text(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// SIGSYS from the filter's trap: report the call, then die of SIGSYS (the disposition is back to
// the default, SA_RESETHAND; the signal is blocked while this runs and delivered on return).
// Only async-signal-safe calls: send, write, getpid, gettid, tgkill.
void on_forbidden_call(int /*signo*/, siginfo_t* info, void* /*context*/) {
  char buf[128];
  char* p = buf;
  *p++ = static_cast<char>(LogPriority::Alert);
  char* const text = p;
  p = append_text(p, kReportPrefix);
  p = append_number(p, static_cast<std::uint64_t>(info->si_syscall), 10);
  p = append_text(p, " (arch 0x");
  p = append_number(p, info->si_arch, 16);
  p = append_text(p, ") is outside the allow-list");
  if (const int fd = g_report_fd.load(std::memory_order_relaxed); fd >= 0) {
    (void)::send(fd, buf, static_cast<std::size_t>(p - buf), MSG_DONTWAIT | MSG_NOSIGNAL);
  } else {
    *p++ = '\n';
    (void)!::write(STDERR_FILENO, text, static_cast<std::size_t>(p - text));
  }
  (void)::syscall(SYS_tgkill, ::getpid(), ::gettid(), SIGSYS);
}

OsStatus install_trap_handler(int report_fd) {
  g_report_fd.store(report_fd, std::memory_order_relaxed);
  struct sigaction sa {};
  sa.sa_sigaction = on_forbidden_call;
  sa.sa_flags = static_cast<int>(SA_SIGINFO | SA_RESETHAND);
  sigfillset(&sa.sa_mask);
  if (::sigaction(SIGSYS, &sa, nullptr) != 0) return errno_error("sigaction(SIGSYS)");
  return Ok{};
}

}  // namespace

std::optional<SeccompViolation> parse_seccomp_report(std::string_view text) {
  if (text.substr(0, kReportPrefix.size()) != kReportPrefix) return std::nullopt;
  text.remove_prefix(kReportPrefix.size());
  const std::string rest(text);
  char* end = nullptr;
  errno = 0;
  const unsigned long nr = std::strtoul(rest.c_str(), &end, 10);
  if (errno != 0 || end == rest.c_str() || nr > 0xffff) return std::nullopt;
  const std::string_view arch_prefix = " (arch 0x";
  std::string_view after(end);
  if (after.substr(0, arch_prefix.size()) != arch_prefix) return std::nullopt;
  const std::string arch_text(after.substr(arch_prefix.size()));
  char* arch_end = nullptr;
  const unsigned long arch = std::strtoul(arch_text.c_str(), &arch_end, 16);
  if (errno != 0 || arch_end == arch_text.c_str() || *arch_end != ')' || arch > 0xffffffffUL)
    return std::nullopt;
  return SeccompViolation{static_cast<int>(nr), static_cast<std::uint32_t>(arch)};
}

std::string describe_syscall(const SeccompViolation& v) {
  std::string out = std::to_string(v.number);
  // libseccomp's names, for the architecture the call was made in (an x32 or i386 call in an
  // x86_64 process has other numbers); 0: this build's.
  const std::uint32_t arch = v.arch != 0 ? v.arch : SCMP_ARCH_NATIVE;
  if (char* name = seccomp_syscall_resolve_num_arch(arch, v.number); name != nullptr) {
    out += " (" + std::string(name) + ")";
    std::free(name);  // NOLINT(cppcoreguidelines-no-malloc): libseccomp's allocation
  } else {
    out += " (unknown)";
  }
  return out;
}

OsStatus install_seccomp_filter(const SeccompOptions& options) {
  if (auto st = install_trap_handler(options.report_fd); !st) return st;
  std::unique_ptr<void, ContextDeleter> ctx(seccomp_init(SCMP_ACT_TRAP));
  if (!ctx) return errno_error("seccomp_init", ENOMEM);
  if (auto st = add_rules(ctx.get(), SCMP_ACT_ALLOW, kAllowed); !st) return st;
  // Signal handlers, but never SIGSYS's: the report above stays, and so does the death after it.
  if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 1,
                                SCMP_A0(SCMP_CMP_NE, static_cast<scmp_datum_t>(SIGSYS)));
      rc != 0)
    return errno_error("seccomp_rule_add(rt_sigaction)", -rc);
  for (unsigned long cmd : kAllowedIoctls) {
    if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                                  SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, cmd & 0xffffffffUL));
        rc != 0)
      return errno_error("seccomp_rule_add(ioctl)", -rc);
  }
  for (int option : kAllowedPrctls) {
    if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                                  SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(option)));
        rc != 0)
      return errno_error("seccomp_rule_add(prctl)", -rc);
  }
  // Limits and signals of this process only: prlimit64(0, ...) as getrlimit does, tgkill to a
  // thread of this thread group (abort, pthread_kill), never to another process.
  if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 1, SCMP_A0(SCMP_CMP_EQ, 0));
      rc != 0)
    return errno_error("seccomp_rule_add(prlimit64)", -rc);
  // The control thread lowers its own priority (setpriority(PRIO_PROCESS, 0, ...): the calling
  // thread on Linux), never another process's.
  if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(setpriority), 2,
                                SCMP_A0(SCMP_CMP_EQ, PRIO_PROCESS), SCMP_A1(SCMP_CMP_EQ, 0));
      rc != 0)
    return errno_error("seccomp_rule_add(setpriority)", -rc);
  if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                                SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(::getpid())));
      rc != 0)
    return errno_error("seccomp_rule_add(tgkill)", -rc);
  // syslog(3) reconnects to /dev/log after a syslog daemon restart: AF_UNIX sockets only.
  if (int rc =
          seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
      rc != 0)
    return errno_error("seccomp_rule_add(socket)", -rc);
  if (options.udp_sockets) {
    // Exactly what os::UdpSocket::open asks for: no raw, stream or other-family socket.
    if (int rc =
            seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(socket), 3, SCMP_A0(SCMP_CMP_EQ, AF_INET),
                             SCMP_A1(SCMP_CMP_EQ, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC),
                             SCMP_A2(SCMP_CMP_EQ, IPPROTO_UDP));
        rc != 0)
      return errno_error("seccomp_rule_add(socket AF_INET)", -rc);
    if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(bind), 0); rc != 0)
      return errno_error("seccomp_rule_add(bind)", -rc);
  }
  if (options.igd_client) {
    if (int rc =
            seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_INET));
        rc != 0)
      return errno_error("seccomp_rule_add(socket AF_INET)", -rc);
    for (int family : {AF_INET6, AF_NETLINK}) {
      if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                                    SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(family)));
          rc != 0)
        return errno_error("seccomp_rule_add(socket)", -rc);
    }
    if (!options.udp_sockets) {
      if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(bind), 0); rc != 0)
        return errno_error("seccomp_rule_add(bind)", -rc);
    }
  }
  // Path-based file-system calls fail softly (a chroot leaves nothing to reach anyway): e.g.
  // glibc reading /etc/localtime, or removing a control socket file outside the chroot.
  for (int nr : {SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(openat2), SCMP_SYS(unlink), SCMP_SYS(unlinkat),
                 SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(renameat2), SCMP_SYS(mkdir),
                 SCMP_SYS(mkdirat), SCMP_SYS(rmdir), SCMP_SYS(stat), SCMP_SYS(lstat), SCMP_SYS(access),
                 SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(readlink), SCMP_SYS(readlinkat)}) {
    if (nr < 0) continue;
    if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EACCES), nr, 0); rc != 0)
      return errno_error("seccomp_rule_add(open)", -rc);
  }
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
      rc != 0)  // no_new_privs is set by the caller
    return errno_error("seccomp_attr_set", -rc);
  // Apply the filter to every thread of the process, including threads started before it (the
  // metrics exporter's), not only to the calling one.
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_TSYNC, 1); rc != 0)
    return errno_error("seccomp_attr_set(TSYNC)", -rc);
  if (int rc = seccomp_load(ctx.get()); rc != 0) return errno_error("seccomp_load", -rc);
  return Ok{};
}

OsStatus install_hook_filter() {
  std::unique_ptr<void, ContextDeleter> ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) return errno_error("seccomp_init", ENOMEM);
  constexpr const char* kDenied[] = {
      "unshare",
      "setns",
      "mount",
      "umount2",
      "pivot_root",
      "chroot",
      "move_mount",
      "open_tree",
      "fsopen",
      "fsmount",
      "fsconfig",
      "fspick",
      "mount_setattr",
      "ptrace",
      "process_vm_readv",
      "process_vm_writev",
      "bpf",
      "perf_event_open",
      "io_uring_setup",
      "io_uring_enter",
      "io_uring_register",
      "userfaultfd",
      "keyctl",
      "add_key",
      "request_key",
      "init_module",
      "finit_module",
      "delete_module",
      "kexec_load",
      "kexec_file_load",
      "reboot",
      "swapon",
      "swapoff",
      "settimeofday",
      "clock_settime",
      "clock_adjtime",
      "adjtimex",
      "acct",
      "quotactl",
      "open_by_handle_at",
      "name_to_handle_at",
      "iopl",
      "ioperm",
      "syslog",
      "vhangup",
      "personality",
  };
  if (auto st = add_rules(ctx.get(), SCMP_ACT_ERRNO(EPERM), kDenied); !st) return st;
  // New namespaces through clone too (clone3 passes its flags in memory the filter cannot read:
  // ENOSYS makes glibc fall back to clone, whose flags it can).
  constexpr scmp_datum_t kNewNamespaces = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID |
                                          CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP;
  for (scmp_datum_t flag = 1; flag != 0 && flag <= kNewNamespaces; flag <<= 1) {
    if ((flag & kNewNamespaces) == 0) continue;
    if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
        rc != 0)
      return errno_error("seccomp_rule_add(clone)", -rc);
  }
  if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0); rc != 0)
    return errno_error("seccomp_rule_add(clone3)", -rc);
  if (int rc =
          seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                           SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, static_cast<scmp_datum_t>(TIOCSTI)));
      rc != 0)
    return errno_error("seccomp_rule_add(ioctl)", -rc);
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0); rc != 0)  // set by the caller
    return errno_error("seccomp_attr_set", -rc);
  if (int rc = seccomp_load(ctx.get()); rc != 0) return errno_error("seccomp_load", -rc);
  return Ok{};
}

}  // namespace teredo::os
