// SPDX-License-Identifier: GPL-2.0-or-later
// teredod's settings: miredo.conf directives (miredo-behaviour.md 1.1, 2.2, 2.4) for the relay
// modes (RelayType relay/cone, restricted) and the client mode (RelayType client/autoclient),
// plus teredod's own HookScript, data-path and control directives.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/config_file.hpp"
#include "config/control_settings.hpp"
#include "config/datapath_settings.hpp"
#include "config/defaults.hpp"
#include "core/client.hpp"
#include "core/relay.hpp"
#include "daemon/command_line.hpp"
#include "proto/ipv4.hpp"

namespace teredo::config {

/// RelayType, with Miredo's aliases folded (relay = cone, autoclient = client).
enum class TeredoRole { Client, Cone, Restricted };

inline constexpr const char* kDefaultInterfaceName = "teredo";
inline constexpr std::uint32_t kMinMaxPeers = 16;
inline constexpr std::uint32_t kMaxMaxPeers = 1u << 24;
/// RefreshInterval bounds, seconds (RFC 4380 2.15: 30 s by default, SHOULD be configurable).
inline constexpr std::uint32_t kMinRefreshInterval = 5;
inline constexpr std::uint32_t kMaxRefreshInterval = 3600;

/// What the relay and the client share: the tunnel interface, the UDP socket, the data path, the
/// control channel, the log.
struct TunnelSettings {
  std::string interface_name = kDefaultInterfaceName;
  proto::Endpoint bind;        // BindAddress:BindPort, default 0.0.0.0:0 (ephemeral)
  int syslog_facility = 0;     // LOG_* value
  DataPathSettings data_path;  // Offload, TunOffload, UdpGso, UdpGro, Workers, Steering
  ControlSettings control;     // ControlSocket, ControlGroup, MetricsListen (control_settings.hpp)
};

struct RelaySettings : TunnelSettings {
  TeredoRole role = TeredoRole::Client;
  /// Line of the RelayType directive (0: absent, the default applied).
  unsigned role_line = 0;
  core::RelayConfig relay;  // mode, prefix, MTU, max_peers (the secret is drawn later)
};

/// DefaultRoute: whether the client routes everything through Teredo (RFC 4380 5.5).
enum class DefaultRoute { Auto, Yes, No };
/// Its values as written in the file, in enum order.
inline constexpr std::array<std::string_view, 3> kDefaultRouteNames = {"auto", "yes", "no"};

struct ClientSettings : TunnelSettings {
  core::ClientConfig client;               // server, server2, max_peers (the secret is drawn later)
  std::string server_name;                 // ServerAddress or SERVER_NAME as written, for logs
  std::optional<std::string> hook_script;  // absolute path; unset: teredod configures the link itself
  /// auto: take the default route unless the host already has native IPv6 at start; yes: always;
  /// no: never (only 2001::/32 goes through Teredo). Without a hook script only.
  DefaultRoute default_route = DefaultRoute::Auto;
  /// UPnP (RFC 6081 3.2): ask a UPnP IGD to map the service port before qualifying. It needs
  /// SymmetricNatSupport (RFC 6081 3): with SymmetricNatSupport no it is off.
  bool upnp = true;
};

/// A teredod configuration: a relay or a client.
using TeredodSettings = std::variant<RelaySettings, ClientSettings>;

/// Reads RelayType (default client), InterfaceName, InterfaceMTU (1280..65535), Prefix, BindAddress,
/// BindPort, SyslogFacility and MaxPeers (16..2^24, default 2^20), then calls config.finish().
/// restricted logs a "deprecated" warning; ServerAddress and ServerAddress2 are reported as
/// superfluous in relay mode. For the client roles nothing but RelayType and SyslogFacility is
/// read and no warnings are added: load_client_settings reads the rest.
/// Problems go to config.diagnostics(); returns nullopt if any of them is an error.
std::optional<RelaySettings> load_relay_settings(ConfigFile& config);

/// Reads the client directives from a file whose RelayType (and SyslogFacility) were already
/// consumed by load_relay_settings and found to be client; `syslog_facility` is the value it read.
///  - ServerAddress (IPv4 or host name, resolved now; must be global unicast) is required unless
///    `server_name` (SERVER_NAME on the command line) is given, which overrides it: ServerAddress
///    and ServerAddress2 are then reported as ignored.
///  - ServerAddress2 defaults to ServerAddress + 1.
///  - BindAddress, BindPort, InterfaceName (default teredo), MaxPeers (16..2^24), HookScript
///    (an absolute path).
///  - DefaultRoute (auto, yes, no; default auto),
///  - SymmetricNatSupport, Hairpinning, ServerLoadReduction, PortPreservingNat, SequentialNat
///    (yes/no, default yes: RFC 6081 3.1, 3.5, 3.6, 3.3, 3.4), LocalDiscovery (yes/no, default yes: RFC
///    4380 5.2.8), UPnP (yes/no, default yes: RFC 6081 3.2; off with SymmetricNatSupport no, a warning when
///    it says yes),
///  - ClientIdentifier and ClientSecret (1..255 characters, both or neither): secure
///    qualification (RFC 4380 5.2.2),
///    RefreshInterval (5..3600 s, default 30).
///  - Prefix (default 2001::/32): the only prefix an RA may advertise and the helper may install.
///  - InterfaceMTU is superfluous (warning): the client takes it from the RA.
/// Then calls config.finish(). Returns nullopt if any diagnostic is an error.
std::optional<ClientSettings> load_client_settings(ConfigFile& config,
                                                   const std::optional<std::string>& server_name,
                                                   int syslog_facility);

/// A HookScript that is not an executable file is an error (recorded with its line); false then.
bool check_hook_script(ConfigFile& config, const ClientSettings& s);

/// load_relay_settings, then load_client_settings and check_hook_script when RelayType is a client
/// one: what teredod runs at start-up and on a reload.
std::optional<TeredodSettings> load_teredod_settings(ConfigFile& config,
                                                     const std::optional<std::string>& server_name);

/// The daemon's loader: reads -c FILE (default /etc/teredod/teredod.conf), logs every diagnostic
/// and the outcome. nullopt: the daemon must not start (or a reload keeps what runs).
std::optional<TeredodSettings> load_teredod_config(const daemon::CommandLine& options);

/// Miredo runs /etc/miredo/client-hook on every state change; teredod runs a hook only when
/// HookScript names one. For a client without HookScript on a host where `miredo_hook` is an
/// executable file (customised or Debian's own: either way it is not run), the notice to log
/// once at start: it is not run, and the line that runs it. nullopt otherwise.
std::optional<std::string> miredo_hook_notice(const ClientSettings& s, const std::string& config_path,
                                              const std::string& miredo_hook = kMiredoClientHook);

/// "cone", "restricted" or "client".
const char* role_name(TeredoRole role);

}  // namespace teredo::config
