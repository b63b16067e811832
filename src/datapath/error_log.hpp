// SPDX-License-Identifier: GPL-2.0-or-later
// Rate-limited warnings of the data path: a failing send or receive is logged at most once every
// 30 s per worker, so a flood cannot fill the log. Used by one thread.
#pragma once

#include <chrono>

namespace teredo::datapath {

class ErrorLog {
 public:
  static constexpr std::chrono::seconds kInterval{30};

  /// Logs "WHAT failed: strerror(ERR) (further errors suppressed for 30 s)" unless one was logged
  /// less than kInterval ago.
  void note(const char* what, int err);

 private:
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace teredo::datapath
