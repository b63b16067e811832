// SPDX-License-Identifier: GPL-2.0-or-later
// Rate-limited data-path warnings.
#include "datapath/error_log.hpp"

#include <cstring>

#include "daemon/log.hpp"

namespace teredo::datapath {

void ErrorLog::note(const char* what, int err) {
  const auto now = std::chrono::steady_clock::now();
  if (last_.time_since_epoch().count() != 0 && now - last_ < kInterval) return;
  last_ = now;
  daemon::log::warning("{} failed: {} (further errors suppressed for {} s)", what, std::strerror(err),
                       kInterval.count());
}

}  // namespace teredo::datapath
