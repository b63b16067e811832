// SPDX-License-Identifier: GPL-2.0-or-later
// Reading a role's configuration in a daemon: the file's diagnostics go to the log.
#pragma once

#include "config/config_file.hpp"

namespace teredo::config {

/// Logs every diagnostic: errors at LOG_ERR, warnings at LOG_WARNING, "FILE:LINE: message".
void log_diagnostics(const ConfigFile& config);

}  // namespace teredo::config
