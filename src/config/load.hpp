// SPDX-License-Identifier: GPL-2.0-or-later
// Reading a role's configuration in a daemon: which file, what happens when it is missing, and the
// file's diagnostics to the log.
#pragma once

#include <optional>
#include <string>

#include "config/config_file.hpp"
#include "daemon/command_line.hpp"

namespace teredo::config {

/// The daemon's configuration file, or why it has none.
struct DaemonConfigFile {
  /// nullopt: the daemon must not start (or a reload keeps what runs).
  std::optional<ConfigFile> file;
  /// An alert when `file` is nullopt; a warning when the defaults apply; empty otherwise.
  std::string message;
};

/// Reads -c FILE, else `default_path`. As Miredo (miredo-behaviour.md 2.1), a missing default file
/// is no error when SERVER_NAME is given: the daemon runs on the defaults (an empty file) with that
/// server, and `message` says so. A file named with -c must be readable, SERVER_NAME or not (Miredo
/// would run on its defaults there too: a typo in -c should not go unnoticed).
DaemonConfigFile read_daemon_config(const daemon::CommandLine& options, const std::string& default_path,
                                    const Ipv4Resolver& resolver = system_resolver());

/// read_daemon_config, logging its message (an alert or a warning).
std::optional<ConfigFile> load_daemon_config(const daemon::CommandLine& options,
                                             const std::string& default_path);

/// Logs every diagnostic: errors at LOG_ERR, warnings at LOG_WARNING, "FILE:LINE: message".
void log_diagnostics(const ConfigFile& config);

}  // namespace teredo::config
