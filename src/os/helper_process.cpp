// SPDX-License-Identifier: GPL-2.0-or-later
// The helper's capability reduction (libcap-ng) and its request channel.
#include "os/helper_process.hpp"

#include <cap-ng.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace teredo::os {

OsStatus restrict_to_net_admin(const std::optional<TargetUser>& become) {
  capng_clear(CAPNG_SELECT_ALL);
  if (capng_update(CAPNG_ADD,
                   static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET),
                   CAP_NET_ADMIN) != 0)
    return errno_error("capng_update", EINVAL);
  if (become) {
    // The bounding set first (that needs CAP_SETPCAP, gone after the change of uid), then the
    // identity with CAP_NET_ADMIN kept through it (libcap-ng sets PR_SET_KEEPCAPS around it).
    if (capng_apply(CAPNG_SELECT_BOUNDS) != 0) return errno_error("capng_apply(bounding set)", EPERM);
    if (capng_change_id(static_cast<int>(become->uid), static_cast<int>(become->gid), CAPNG_DROP_SUPP_GRP) !=
        0)
      return errno_error("capng_change_id", EPERM);
    if (::getuid() != become->uid || ::geteuid() != become->uid || ::getgid() != become->gid)
      return errno_error("verify the helper's identity", EPERM);
  } else if (capng_apply(CAPNG_SELECT_ALL) != 0) {
    return errno_error("capng_apply", EPERM);
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return errno_error("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno_error("prctl(PR_SET_NO_NEW_PRIVS)");
  capng_get_caps_process();
  if (capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN) == 0)
    return errno_error("verify CAP_NET_ADMIN", EPERM);
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (cap != CAP_NET_ADMIN && capng_have_capability(CAPNG_PERMITTED, static_cast<unsigned>(cap)) != 0)
      return errno_error("verify only CAP_NET_ADMIN", EPERM);
  }
  return Ok{};
}

OsStatus send_message(const Fd& channel, proto::ByteView message) {
  const ssize_t n = ::send(channel.get(), message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n < 0) return errno_error("send");
  if (static_cast<std::size_t>(n) != message.size()) return errno_error("send (short)", EMSGSIZE);
  return Ok{};
}

OsResult<std::size_t> receive_message(const Fd& channel, proto::MutableBytes buf, bool wait) {
  for (;;) {
    const ssize_t n = ::recv(channel.get(), buf.data(), buf.size(), MSG_TRUNC | (wait ? 0 : MSG_DONTWAIT));
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return errno_error("recv");
  }
}

}  // namespace teredo::os
