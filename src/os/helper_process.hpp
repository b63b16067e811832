// A privileged helper process for privilege separation (architecture.md 7.2,
// miredo-behaviour.md 4): forked by the still-root daemon before it drops its privileges,
// connected to it by a SOCK_SEQPACKET socketpair, and reduced to uid 0 with CAP_NET_ADMIN only.
#pragma once

#include <sys/types.h>

#include <functional>

#include "os/fd.hpp"
#include "os/os_result.hpp"

namespace teredo::os {

/// The daemon's end of a running helper.
struct HelperProcess {
  pid_t pid = -1;
  Fd channel;  // SOCK_SEQPACKET, CLOEXEC, blocking
};

/// Forks a helper. The child closes every descriptor but 0-2 and its channel end, calls
/// `body(channel)` and _exits with its return value; it never returns into the caller's code.
/// Call it while single-threaded. The child inherits the signal mask (signals the daemon
/// handles through signalfd stay blocked there: the helper ends only when its channel closes).
OsResult<HelperProcess> fork_helper(const std::function<int(Fd channel)>& body);

/// In the helper: keep uid 0 but reduce every capability set (and the bounding set, so that a
/// program it executes cannot regain more) to CAP_NET_ADMIN, clear the ambient set, and set
/// PR_SET_NO_NEW_PRIVS. Verifies the result.
OsStatus restrict_to_net_admin();

/// Waits for `pid` to exit; returns its wait status.
OsResult<int> wait_child(pid_t pid);

}  // namespace teredo::os
