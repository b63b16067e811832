// SPDX-License-Identifier: GPL-2.0-or-later
// fork + setsid with the ready pipe back to the launcher (os/child.hpp).
#include "os/daemonize.hpp"

#include <unistd.h>

#include <cstdlib>

#include "os/child.hpp"
#include "os/process.hpp"

namespace teredo::os {

OsResult<Daemonizer> Daemonizer::start() {
  auto side = fork_with_channel(ChannelKind::ReadyPipe);
  if (!side) return side.error();
  if (!side->in_child()) {
    // The launcher: EOF before a status byte means the daemon exited during set-up and has said
    // why on stderr.
    const std::optional<char> status = read_ready(side->channel);
    exit_now(status && *status == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
  }
  if (::setsid() < 0) return errno_error("setsid");
  return Daemonizer(std::move(side->channel));
}

OsStatus Daemonizer::ready() {
  auto null = open_dev_null();
  if (!null) return null.error();
  if (auto st = redirect_stdio(*null); !st) return st;
  if (auto st = send_ready(pipe_write_, 0); !st) return st;
  pipe_write_.reset();
  return Ok{};
}

}  // namespace teredo::os
