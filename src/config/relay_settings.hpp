// teredod's settings: miredo.conf directives (miredo-behaviour.md 2.2, 2.4). Relay modes only so
// far; RelayType client/autoclient is recognised and reported as not implemented yet.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/relay.hpp"
#include "config/config_file.hpp"
#include "config/control_settings.hpp"
#include "config/datapath_settings.hpp"
#include "proto/ipv4.hpp"

namespace teredo::config {

/// RelayType, with Miredo's aliases folded (relay = cone, autoclient = client).
enum class TeredoRole { Client, Cone, Restricted };

inline constexpr const char* kDefaultInterfaceName = "teredo";
inline constexpr std::uint32_t kMinMaxPeers = 16;
inline constexpr std::uint32_t kMaxMaxPeers = 1u << 24;

struct RelaySettings {
  TeredoRole role = TeredoRole::Client;
  /// Line of the RelayType directive (0: absent, the default applied).
  unsigned role_line = 0;
  core::RelayConfig relay;  // mode, prefix, MTU, max_peers (the secret is drawn later)
  std::string interface_name = kDefaultInterfaceName;
  proto::Endpoint bind;     // BindAddress:BindPort, default 0.0.0.0:0 (ephemeral)
  int syslog_facility = 0;  // LOG_* value
  OffloadSettings offload;  // Offload, TunOffload, UdpGso, UdpGro
  ControlSettings control;  // ControlSocket, ControlGroup, MetricsListen (control_settings.hpp)
};

/// Reads RelayType (default client), InterfaceName, InterfaceMTU (1280..65535), Prefix, BindAddress,
/// BindPort, SyslogFacility and MaxPeers (16..2^24, default 2^20), then calls config.finish().
/// restricted logs a "deprecated" warning; ServerAddress and ServerAddress2 are reported as
/// superfluous in relay mode. For the client roles nothing but RelayType and SyslogFacility is
/// read and no warnings are added: the client settings (client_settings.hpp) read the rest.
/// Problems go to config.diagnostics(); returns nullopt if any of them is an error.
std::optional<RelaySettings> load_relay_settings(ConfigFile& config);

/// "cone", "restricted" or "client".
const char* role_name(TeredoRole role);

}  // namespace teredo::config
