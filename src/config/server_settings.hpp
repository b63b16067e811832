// teredod-server's settings: teredod-server.conf directives (miredo-behaviour.md 2.3) merged
// with the SERVER_NAME command-line argument.
#pragma once

#include <optional>
#include <string>

#include "core/server.hpp"
#include "config/config_file.hpp"
#include "config/control_settings.hpp"

namespace teredo::config {

struct ServerSettings {
  core::ServerConfig server;  // bind addresses, prefix, MTU
  int syslog_facility = 0;    // LOG_* value
  ControlSettings control;    // ControlSocket, ControlGroup, MetricsListen (control_settings.hpp)
};

/// Reads ServerBindAddress (required unless server_name is given), ServerBindAddress2 (default
/// primary + 1), Prefix (default 2001::), InterfaceMTU (1280..65535, default 1280) and
/// SyslogFacility (default daemon) from `config`, then calls config.finish(). server_name
/// (hostname or dotted quad) replaces both bind addresses. Problems are recorded in
/// config.diagnostics(); returns nullopt if any of them is an error.
std::optional<ServerSettings> load_server_settings(ConfigFile& config, const std::optional<std::string>& server_name);

}  // namespace teredo::config
