// SPDX-License-Identifier: GPL-2.0-or-later
// Forking with a channel between parent and child (one handshake for the supervisor's worker, the
// client's privileged helper and daemonisation): a pipe the child reports "set-up done" on, or a
// SOCK_SEQPACKET socketpair for requests. And waiting for, signalling and reaping children.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>

#include "os/fd.hpp"
#include "os/os_result.hpp"
#include "proto/bytes.hpp"

namespace teredo::os {

enum class ChannelKind {
  /// A pipe: the child writes, the parent reads (a one-byte status).
  ReadyPipe,
  /// A SOCK_SEQPACKET socketpair, blocking: messages both ways.
  SeqPacket,
};

/// One side of a fork: `pid` is the child's in the parent and 0 in the child; `channel` is this
/// side's end (close-on-exec).
struct ForkSide {
  pid_t pid = -1;
  Fd channel;
  bool in_child() const { return pid == 0; }
};

/// Forks with a channel of `kind`. Returns in both processes. Call it while single-threaded.
OsResult<ForkSide> fork_with_channel(ChannelKind kind);

/// In the child of fork_with_channel: keeps stdio and `channel` (moved to descriptor 3,
/// close-on-exec), and `extra` when given (moved to kChildExtraFd, close-on-exec), closes every
/// other descriptor, calls body(channel) and exits with its value.
[[noreturn]] void run_child(Fd channel, const std::function<int(Fd channel)>& body, int extra = -1);
/// Where run_child puts its `extra` descriptor.
inline constexpr int kChildExtraFd = 4;

/// Forks a child that runs `body` as run_child() describes; returns the parent's side.
OsResult<ForkSide> fork_child(ChannelKind kind, const std::function<int(Fd channel)>& body);

/// The child's report on a ReadyPipe: one byte.
OsStatus send_ready(const Fd& channel, char status);
/// The parent's reading of it: the byte, or nullopt when the child closed the pipe (exited) first.
/// Blocks until one or the other.
std::optional<char> read_ready(const Fd& channel);

/// A child's fixed-size report on a ReadyPipe (at most PIPE_BUF bytes: one atomic write).
OsStatus send_report(const Fd& channel, proto::ByteView report);
/// The parent's reading of it: fills `buf` until it is full, the child closes the pipe, or
/// `timeout_ms` pass (EINTR retried). Returns the bytes read (short: closed or timed out).
OsResult<std::size_t> read_report(const Fd& channel, proto::MutableBytes buf, int timeout_ms);

/// Sends `signo` to `pid` (nothing when pid <= 0: no child).
void signal_process(pid_t pid, int signo);
/// Waits for `pid` to exit; returns its wait status.
OsResult<int> wait_child(pid_t pid);
/// The wait status of `pid` if it has exited (reaped); nullopt while it runs (or on error).
std::optional<int> reap_child(pid_t pid, bool block);
/// Ends the calling process at once (no atexit handlers, no stdio flush): for forked children.
[[noreturn]] void exit_now(int status);

/// How a wait status reads: "exited with status 1", "killed by signal 9".
std::string describe_wait_status(int status);
/// True for a process that exited on its own with status 0.
bool exited_cleanly(int status);
/// The signal that killed the process, or 0 when it exited.
int killing_signal(int status);
/// The exit status, or -1 when it was killed.
int exit_status(int status);

}  // namespace teredo::os
