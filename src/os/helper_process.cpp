// Helper process creation and its capability reduction (libcap-ng).
#include "os/helper_process.hpp"

#include <cap-ng.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace teredo::os {

namespace {

constexpr int kChildChannelFd = 3;

}  // namespace

OsResult<HelperProcess> fork_helper(const std::function<int(Fd channel)>& body) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return errno_error("socketpair");
  Fd parent_end(sv[0]);
  Fd child_end(sv[1]);
  const pid_t pid = ::fork();
  if (pid < 0) return errno_error("fork");
  if (pid == 0) {
    // Child: keep stdio and the channel (moved to fd 3), close everything else (TUN, sockets,
    // pidfile lock, signalfd...). dup2 clears CLOEXEC on the copy, which is harmless: the
    // helper re-sets it before it executes anything.
    if (::dup2(child_end.get(), kChildChannelFd) < 0) ::_exit(127);
    child_end.release();
    parent_end.release();
    if (::close_range(kChildChannelFd + 1, ~0U, 0) != 0) ::_exit(127);
    if (::fcntl(kChildChannelFd, F_SETFD, FD_CLOEXEC) != 0) ::_exit(127);
    ::_exit(body(Fd(kChildChannelFd)));
  }
  return HelperProcess{pid, std::move(parent_end)};
}

OsStatus restrict_to_net_admin() {
  capng_clear(CAPNG_SELECT_ALL);
  if (capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET),
                   CAP_NET_ADMIN) != 0)
    return errno_error("capng_update", EINVAL);
  if (capng_apply(CAPNG_SELECT_ALL) != 0) return errno_error("capng_apply", EPERM);
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return errno_error("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno_error("prctl(PR_SET_NO_NEW_PRIVS)");
  capng_get_caps_process();
  if (capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN) == 0) return errno_error("verify CAP_NET_ADMIN", EPERM);
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (cap != CAP_NET_ADMIN && capng_have_capability(CAPNG_PERMITTED, static_cast<unsigned>(cap)) != 0)
      return errno_error("verify only CAP_NET_ADMIN", EPERM);
  }
  return Ok{};
}

OsResult<int> wait_child(pid_t pid) {
  int status = 0;
  for (;;) {
    if (::waitpid(pid, &status, 0) == pid) return status;
    if (errno != EINTR) return errno_error("waitpid");
  }
}

}  // namespace teredo::os
