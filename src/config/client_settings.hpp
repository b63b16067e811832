// teredod's client-mode settings (RelayType client/autoclient): miredo.conf directives
// (miredo-behaviour.md 1.1, 2.2, 2.4) plus HookScript, teredod's own.
#pragma once

#include <optional>
#include <string>

#include "core/client.hpp"
#include "config/config_file.hpp"
#include "config/control_settings.hpp"
#include "config/datapath_settings.hpp"
#include "proto/ipv4.hpp"

namespace teredo::config {

struct ClientSettings {
  core::ClientConfig client;          // server, server2, max_peers (the secret is drawn later)
  std::string server_name;            // ServerAddress or SERVER_NAME as written, for logs
  std::string interface_name = "teredo";
  proto::Endpoint bind;               // BindAddress:BindPort, default 0.0.0.0:0 (ephemeral)
  int syslog_facility = 0;            // LOG_* value
  std::optional<std::string> hook_script;  // absolute path; unset: teredod configures the link itself
  OffloadSettings offload;            // Offload, TunOffload, UdpGso, UdpGro
  ControlSettings control;            // ControlSocket, ControlGroup, MetricsListen (control_settings.hpp)
};

/// Reads the client directives from a file whose RelayType (and SyslogFacility) were already
/// consumed by load_relay_settings and found to be client; `syslog_facility` is the value it read.
///  - ServerAddress (IPv4 or host name, resolved now; must be global unicast) is required unless
///    `server_name` (SERVER_NAME on the command line) is given, which overrides it: ServerAddress
///    and ServerAddress2 are then reported as ignored.
///  - ServerAddress2 defaults to ServerAddress + 1.
///  - BindAddress, BindPort, InterfaceName (default teredo), MaxPeers (16..2^24), HookScript
///    (an absolute path).
///  - InterfaceMTU and Prefix are superfluous (warning): the client takes both from the RA.
/// Then calls config.finish(). Returns nullopt if any diagnostic is an error.
std::optional<ClientSettings> load_client_settings(ConfigFile& config, const std::optional<std::string>& server_name,
                                                   int syslog_facility);

}  // namespace teredo::config
