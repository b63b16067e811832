// SPDX-License-Identifier: GPL-2.0-or-later
// Configuration diagnostics to the log.
#include "config/load.hpp"

#include "daemon/log.hpp"

namespace teredo::config {

namespace log = daemon::log;

void log_diagnostics(const ConfigFile& config) {
  for (const Diagnostic& d : config.diagnostics()) {
    if (d.severity == Severity::Error)
      log::error("{}", d.to_string());
    else
      log::warning("{}", d.to_string());
  }
}

}  // namespace teredo::config
