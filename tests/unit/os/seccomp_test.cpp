// SPDX-License-Identifier: GPL-2.0-or-later
// The seccomp allow-list (os/seccomp.hpp) in a forked child, against the real kernel: a client's
// worker may open its random-port UDP sockets (SeccompOptions::udp_sockets), exactly those, and
// no worker may without the option; ioctl, prctl, prlimit64 and tgkill only with the arguments a
// data path needs (no keystrokes pushed into a terminal, no persistent TUN device, no other
// process's limits or threads). A forbidden call kills the child with SIGSYS.
#include "os/seccomp.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <pty.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <thread>

#include "os/log_forward.hpp"
#include "os/udp_socket.hpp"

namespace teredo::os {
namespace {

// Runs `body` in a child under the filter; its wait status (body's result as the exit code).
template <class Body>
int confined(const SeccompOptions& options, Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(100);
    if (!install_seccomp_filter(options)) ::_exit(101);
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

bool killed_by_sigsys(int status) {
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

int open_udp_socket() {
  auto s = UdpSocket::open(proto::Endpoint{proto::Ipv4Addr{}, 0}, UdpSocketOptions{});
  return s ? 0 : 1;
}

TEST(Seccomp, ClientWorkerOpensUdpSockets) {
  const int status = confined(SeccompOptions{.udp_sockets = true}, open_udp_socket);
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(Seccomp, OtherWorkersOpenNoUdpSocket) {
  EXPECT_TRUE(killed_by_sigsys(confined(SeccompOptions{}, open_udp_socket)));
}

// Only what os::UdpSocket::open asks for: not a stream, raw or blocking socket.
TEST(Seccomp, UdpSocketsOnlyAllowsThoseSockets) {
  const SeccompOptions client{.udp_sockets = true};
  EXPECT_TRUE(
      killed_by_sigsys(confined(client, [] { return ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); })));
  EXPECT_TRUE(killed_by_sigsys(confined(client, [] { return ::socket(AF_INET, SOCK_RAW, IPPROTO_UDP); })));
  EXPECT_TRUE(killed_by_sigsys(confined(client, [] { return ::socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP); })));
  EXPECT_TRUE(killed_by_sigsys(confined(
      client, [] { return ::socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP); })));
}

int exits_ok(int status) {
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : 0;
}

// TIOCSTI pushes a byte into a terminal's input as if typed: from a worker still attached to the
// terminal that started it, a command into the root shell. Denied, however the command's upper
// bits are dressed (the kernel reads 32 bits).
TEST(Seccomp, NoKeystrokesIntoATerminal) {
  int master = -1, slave = -1;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  // Unconfined, TIOCSTI reaches the terminal layer (it may still refuse: not our controlling tty,
  // or dev.tty.legacy_tiocsti=0); confined, the process dies before the call is made.
  EXPECT_TRUE(killed_by_sigsys(confined({}, [slave] {
    char c = 'x';
    return ::ioctl(slave, TIOCSTI, &c) == 0 ? 0 : 2;
  })));
  EXPECT_TRUE(killed_by_sigsys(confined({}, [slave] {
    char c = 'x';
    return static_cast<int>(::syscall(SYS_ioctl, slave, 0x100000000UL | TIOCSTI, &c));
  })));
  EXPECT_TRUE(killed_by_sigsys(confined({}, [slave] {
    termios t{};
    return ::ioctl(slave, TCSETS, &t);  // nor change the terminal's settings
  })));
  // isatty(3) still answers (TCGETS, a read).
  EXPECT_EQ(exits_ok(confined({}, [slave] { return ::isatty(slave) == 1 ? 0 : 3; })), 1);
  ::close(master);
  ::close(slave);
}

TEST(Seccomp, NoPersistentTunDevice) {
  // On any descriptor: the filter looks at the command, not at what the descriptor is.
  for (unsigned long cmd :
       {static_cast<unsigned long>(TUNSETPERSIST), static_cast<unsigned long>(TUNSETOWNER),
        static_cast<unsigned long>(TUNSETGROUP), static_cast<unsigned long>(TUNSETIFF)}) {
    EXPECT_TRUE(killed_by_sigsys(confined({}, [cmd] { return ::ioctl(0, cmd, 1); }))) << std::hex << cmd;
  }
  // TUNSETOFFLOAD is let through (to the kernel, which refuses it on a descriptor that is no TUN).
  EXPECT_EQ(exits_ok(confined({}, [] { return ::ioctl(0, TUNSETOFFLOAD, 0) == -1 ? 0 : 4; })), 1);
}

TEST(Seccomp, PrctlOnlyNamesThreadsAndReads) {
  EXPECT_EQ(exits_ok(confined({}, [] { return ::prctl(PR_SET_NAME, "worker", 0, 0, 0); })), 1);
  EXPECT_EQ(exits_ok(confined({}, [] { return ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) >= 0 ? 0 : 5; })), 1);
  EXPECT_TRUE(killed_by_sigsys(confined({}, [] { return ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0); })));
  EXPECT_TRUE(
      killed_by_sigsys(confined({}, [] { return ::prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0); })));
  EXPECT_TRUE(killed_by_sigsys(confined({}, [] { return ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); })));
}

TEST(Seccomp, LimitsAndSignalsOfItsOwnProcessOnly) {
  const pid_t parent = ::getpid();
  EXPECT_EQ(exits_ok(confined({},
                              [] {
                                rlimit r{};
                                return ::getrlimit(RLIMIT_NOFILE, &r);  // glibc: prlimit64(0, ...)
                              })),
            1);
  EXPECT_TRUE(killed_by_sigsys(confined({}, [parent] {
    rlimit r{};
    return ::prlimit(parent, RLIMIT_NOFILE, nullptr, &r);
  })));
  // Its own threads: a signal it ignores, delivered; another process's: refused by the filter.
  EXPECT_EQ(
      exits_ok(confined({},
                        [] {
                          ::signal(SIGUSR1, SIG_IGN);
                          return static_cast<int>(::syscall(SYS_tgkill, ::getpid(), ::gettid(), SIGUSR1));
                        })),
      1);
  EXPECT_TRUE(killed_by_sigsys(
      confined({}, [parent] { return static_cast<int>(::syscall(SYS_tgkill, parent, parent, 0)); })));
  EXPECT_TRUE(killed_by_sigsys(confined({}, [parent] { return ::kill(parent, 0); })));
  // Its own thread's priority may go down (the control thread's), nobody else's.
  EXPECT_EQ(exits_ok(confined({}, [] { return ::setpriority(PRIO_PROCESS, 0, 10); })), 1);
  EXPECT_TRUE(killed_by_sigsys(confined({}, [parent] { return ::setpriority(PRIO_PROCESS, parent, 10); })));
  EXPECT_TRUE(killed_by_sigsys(confined({}, [] { return ::setpriority(PRIO_USER, 0, 10); })));
}

// A forbidden call is reported before the process dies (SeccompOptions::report_fd): the record on
// the log channel names the call's number, which describe_syscall turns into its name.
TEST(Seccomp, AForbiddenCallIsReportedByNumberAndName) {
  auto channel = open_log_channel();
  ASSERT_TRUE(channel);
  const int status = confined(SeccompOptions{.report_fd = channel->second.get()}, [] {
    return static_cast<int>(::syscall(SYS_ptrace, PTRACE_TRACEME, 0, nullptr, nullptr));
  });
  EXPECT_TRUE(killed_by_sigsys(status)) << "status " << status;
  auto record = receive_log_record(channel->first);
  ASSERT_TRUE(record) << "no report on the log channel";
  EXPECT_EQ(record->priority, LogPriority::Alert);
  auto call = parse_seccomp_report(record->text);
  ASSERT_TRUE(call) << record->text;
  EXPECT_EQ(call->number, SYS_ptrace);
  EXPECT_EQ(describe_syscall(*call), std::to_string(SYS_ptrace) + " (ptrace)");
  EXPECT_FALSE(receive_log_record(channel->first)) << "one report per death";
}

// The trap cannot be survived: SIGSYS's handler cannot be replaced or ignored (the process dies at
// the attempt, reporting rt_sigaction), and a blocked SIGSYS is unblocked by the kernel (which
// then skips the handler: the death is not reported, but it happens).
TEST(Seccomp, TheReportCannotBeSilenced) {
  auto channel = open_log_channel();
  ASSERT_TRUE(channel);
  const SeccompOptions report{.report_fd = channel->second.get()};
  EXPECT_TRUE(
      killed_by_sigsys(confined(report, [] { return ::signal(SIGSYS, SIG_IGN) == SIG_ERR ? 2 : 0; })));
  auto record = receive_log_record(channel->first);
  ASSERT_TRUE(record);
  auto call = parse_seccomp_report(record->text);
  ASSERT_TRUE(call) << record->text;
  EXPECT_EQ(describe_syscall(*call), std::to_string(SYS_rt_sigaction) + " (rt_sigaction)");
  // Other handlers are still allowed.
  EXPECT_EQ(exits_ok(confined(report, [] { return ::signal(SIGUSR2, SIG_IGN) == SIG_ERR ? 2 : 0; })), 1);
  EXPECT_TRUE(killed_by_sigsys(confined(report, [] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGSYS);
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    return ::kill(::getppid(), 0);
  })));
}

TEST(Seccomp, ReportsParseOnlyWhenWellFormed) {
  auto call = parse_seccomp_report("seccomp: system call 41 (arch 0xc000003e) is outside the allow-list");
  ASSERT_TRUE(call);
  EXPECT_EQ(call->number, 41);
  EXPECT_EQ(call->arch, 0xc000003eu);
  for (const char* bad : {"", "seccomp: system call", "seccomp: system call x (arch 0x1)",
                          "seccomp: system call 41 (arch 0xzz)", "seccomp: system call 41", "hello"})
    EXPECT_FALSE(parse_seccomp_report(bad)) << bad;
  EXPECT_EQ(describe_syscall(SeccompViolation{9999, 0}), "9999 (unknown)");
}

// The helper's filter in hook mode: anything a hook script runs works (fork, exec, threads), but
// no new namespace (an unprivileged user namespace is where a hook taken over would get "root"),
// no ptrace, no BPF, no keystrokes into a terminal.
template <class Body>
int under_hook_filter(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(100);
    if (!install_hook_filter()) ::_exit(101);
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

TEST(SeccompHook, ProgramsRunButNoNamespacePtraceOrBpf) {
  EXPECT_EQ(under_hook_filter([] { return std::system("/bin/sh -c 'exit 7'") == -1 ? 1 : 0; }), 0);
  EXPECT_EQ(under_hook_filter([] {
              std::thread t([] {});
              t.join();
              return 0;
            }),
            0);
  EXPECT_EQ(under_hook_filter([] { return ::unshare(CLONE_NEWUSER) == -1 && errno == EPERM ? 0 : 1; }), 0);
  EXPECT_EQ(under_hook_filter([] { return ::unshare(CLONE_NEWNET) == -1 && errno == EPERM ? 0 : 1; }), 0);
  EXPECT_EQ(under_hook_filter([] {
              const long r = ::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, 0);
              if (r == 0) ::_exit(0);  // must not happen
              return r == -1 && errno == EPERM ? 0 : 1;
            }),
            0);
  EXPECT_EQ(under_hook_filter(
                [] { return ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) == -1 && errno == EPERM ? 0 : 1; }),
            0);
  EXPECT_EQ(
      under_hook_filter([] { return ::syscall(SYS_bpf, 0, nullptr, 0) == -1 && errno == EPERM ? 0 : 1; }), 0);
  int master = -1, slave = -1;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  EXPECT_EQ(under_hook_filter([slave] {
              char c = 'x';
              return ::ioctl(slave, TIOCSTI, &c) == -1 && errno == EPERM ? 0 : 1;
            }),
            0);
  ::close(master);
  ::close(slave);
}

}  // namespace
}  // namespace teredo::os
