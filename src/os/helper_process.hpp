// SPDX-License-Identifier: GPL-2.0-or-later
// A privileged helper process for privilege separation (architecture.md 7.2,
// miredo-behaviour.md 4): forked by the still-root daemon before it drops its privileges,
// connected to it by a SOCK_SEQPACKET socketpair (os/child.hpp), and reduced to uid 0 with
// CAP_NET_ADMIN only. Fixed-size requests cross the channel as single messages.
#pragma once

#include <cstddef>
#include <optional>

#include "os/fd.hpp"
#include "os/os_result.hpp"
#include "os/privileges.hpp"
#include "proto/bytes.hpp"

namespace teredo::os {

/// In the helper: reduce every capability set (and the bounding set, so that a program it
/// executes cannot regain more) to CAP_NET_ADMIN, clear the ambient set, and set
/// PR_SET_NO_NEW_PRIVS. With `become`, also leave uid 0 for that user's uid and group (no
/// supplementary groups), keeping
/// CAP_NET_ADMIN (a uid 0 without capabilities still owns, and may write, root's files);
/// without, keep uid 0 (a hook may expect root). Verifies the result.
OsStatus restrict_to_net_admin(const std::optional<TargetUser>& become = std::nullopt);

/// Sends one message without blocking; an error when the peer is gone or not reading (EAGAIN).
OsStatus send_message(const Fd& channel, proto::ByteView message);

/// Receives one message into `buf` (blocking unless `wait` is false, EINTR retried). Returns the
/// message's real size (a larger message is truncated to `buf` but reports its size), 0 once the
/// peer closed the channel; without `wait`, the error EAGAIN when no message is queued.
OsResult<std::size_t> receive_message(const Fd& channel, proto::MutableBytes buf, bool wait = true);

}  // namespace teredo::os
