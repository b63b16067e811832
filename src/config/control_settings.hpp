// SPDX-License-Identifier: GPL-2.0-or-later
// Control channel directives, shared by teredod and teredod-server:
//   ControlSocket PATH|none   the Unix socket teredoctl talks to (default: per program, below)
//   ControlGroup NAME         group allowed to use it (socket root:NAME, mode 0660); absent: root
//                             only (root:root, mode 0600)
//   MetricsListen ADDR:PORT   optional Prometheus HTTP endpoint (/metrics); PORT must be >= 1024
//                             since it is bound after privileges are dropped
//   MetricsAuthFile PATH      HTTP basic authentication for it: a file of one "user:password" line,
//                             root's alone along its path and readable by nobody else (mode 0600 or 0400)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/config_file.hpp"
#include "config/defaults.hpp"
#include "os/stream_socket.hpp"

namespace teredo::config {

struct ControlSettings {
  /// Empty: no control socket (ControlSocket none).
  std::string socket_path;
  /// True when ControlSocket was given: failing to create it is then fatal. With the default path
  /// a failure (e.g. another instance holds it) is logged and the daemon runs without one.
  bool socket_explicit = false;
  std::optional<std::string> group;
  /// MetricsListen as given ("ADDR:PORT"), checked for syntax; unset: no HTTP endpoint.
  std::optional<std::string> metrics_listen;
  /// MetricsAuthFile: its path, and its "user:password" line (a scrape must carry them in an
  /// Authorization: Basic header); unset: no authentication.
  std::string metrics_auth_file;
  std::optional<std::string> metrics_credentials;
};

/// Consumes ControlSocket, ControlGroup, MetricsListen and MetricsAuthFile (read now) (call before
/// config.finish()). Invalid
/// values are recorded as errors in config.diagnostics().
ControlSettings load_control_settings(ConfigFile& config, std::string_view default_socket);

/// MetricsAuthFile as read: its "USER:PASSWORD" line, or why it is refused (not an absolute path,
/// not root's alone along its path, readable by group or others, no such line).
struct MetricsCredentials {
  std::optional<std::string> line;
  std::string problem;
};
MetricsCredentials read_metrics_credentials(const std::string& path);

/// Parses MetricsListen: "IPV4:PORT", "[IPV6]:PORT" or "*:PORT" (every address of both families),
/// PORT 1024..65535. The address to listen on, or the reason the value is not one. The one parser
/// of the directive: the configuration checks it, the control server listens where it says.
std::variant<os::ListenAddress, std::string> parse_metrics_listen(std::string_view value);

}  // namespace teredo::config
