// SPDX-License-Identifier: GPL-2.0-or-later
// teredod-server's settings: teredod-server.conf directives (miredo-behaviour.md 2.3) merged
// with the SERVER_NAME command-line argument.
#pragma once

#include <optional>
#include <string>

#include "config/config_file.hpp"
#include "config/control_settings.hpp"
#include "core/server.hpp"
#include "daemon/command_line.hpp"

namespace teredo::config {

struct ServerSettings {
  core::ServerConfig server;     // bind addresses, prefix, MTU
  int syslog_facility = 0;       // LOG_* value
  ControlSettings control;       // ControlSocket, ControlGroup, MetricsListen (control_settings.hpp)
  unsigned workers = 0;          // Workers: 1..64; 0 (auto): one per CPU the process may use
  std::string client_keys_file;  // ClientKeysFile (empty: none); its keys are in server.keys
};

/// Reads ServerBindAddress (required unless server_name is given), ServerBindAddress2 (default
/// primary + 1), Prefix (default 2001::), InterfaceMTU (1280..65535, default 1280) and
/// SyslogFacility (default daemon), the control directives, Workers (auto or 1..64), ClientKeysFile
/// (an absolute path, read now: client_keys.hpp), RequireAuthentication (yes/no, default no;
/// yes needs a key), DestinationRateLimit and SourceRateLimit (0..1000000 per second, 0: off) from
/// `config`, then calls config.finish(). server_name
/// (hostname or dotted quad) replaces both bind addresses. Problems are recorded in
/// config.diagnostics(); returns nullopt if any of them is an error.
std::optional<ServerSettings> load_server_settings(ConfigFile& config,
                                                   const std::optional<std::string>& server_name);

/// The daemon's loader: reads -c FILE (default /etc/teredod/teredod-server.conf; with SERVER_NAME
/// an unreadable file means the defaults, as in Miredo), logs every diagnostic and the outcome.
std::optional<ServerSettings> load_server_config(const daemon::CommandLine& options);

}  // namespace teredo::config
