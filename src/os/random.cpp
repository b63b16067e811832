// SPDX-License-Identifier: GPL-2.0-or-later
// getrandom wrapper.
#include "os/random.hpp"

#include <sys/random.h>

#include <cerrno>

namespace teredo::os {

OsStatus fill_random(proto::MutableBytes out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("getrandom");
    }
    done += static_cast<std::size_t>(n);
  }
  return Ok{};
}

}  // namespace teredo::os
