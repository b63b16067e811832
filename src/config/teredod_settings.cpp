// SPDX-License-Identifier: GPL-2.0-or-later
// teredod's settings: RelayType semantics, the relay and client directives and their checks.
#include "config/teredod_settings.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "config/client_keys.hpp"
#include "config/defaults.hpp"
#include "config/load.hpp"
#include "daemon/log.hpp"
#include "os/net_text.hpp"
#include "os/process.hpp"
#include "os/runtime_directory.hpp"
#include "os/system_log.hpp"
#include "os/trusted_path.hpp"
#include "os/tun_device.hpp"

namespace teredo::config {

namespace log = daemon::log;

namespace {

// Miredo's RelayType values (miredo-behaviour.md 2.2), in the order of kRoleOfType.
constexpr std::array<std::string_view, 5> kRelayTypes = {"client", "autoclient", "relay", "cone",
                                                         "restricted"};
constexpr std::array<TeredoRole, 5> kRoleOfType = {TeredoRole::Client, TeredoRole::Client, TeredoRole::Cone,
                                                   TeredoRole::Cone, TeredoRole::Restricted};

bool valid_interface_name(const std::string& name) {
  return !name.empty() && name.size() <= os::kMaxInterfaceName && name.find('/') == std::string::npos &&
         name != "." && name != "..";
}

// The directives both modes read, in this order: InterfaceName, then (after the caller's own)
// BindAddress, BindPort, MaxPeers, the data path and the control channel.
void read_interface_name(ConfigFile& config, TunnelSettings& s) {
  if (auto name = config.get_string("InterfaceName")) {
    if (!valid_interface_name(*name))
      config.add_error("InterfaceName", "invalid value \"" + *name +
                                            "\" for InterfaceName (expected a name of 1 to " +
                                            std::to_string(os::kMaxInterfaceName) + " characters)");
    else
      s.interface_name = *name;
  }
}

void read_socket_and_tables(ConfigFile& config, TunnelSettings& s, std::size_t& max_peers) {
  if (auto a = config.get_ipv4("BindAddress")) s.bind.addr = *a;
  if (auto p = config.get_unsigned("BindPort", 0, 65535)) s.bind.port = static_cast<std::uint16_t>(*p);
  if (auto n = config.get_unsigned("MaxPeers", kMinMaxPeers, kMaxMaxPeers)) max_peers = *n;
  load_data_path_settings(config, s.data_path);
  s.control = load_control_settings(
      config, os::runtime_directory_path(kDefaultTeredodControlSocket, kTeredodControlSocketName));
}

// The client's RFC 6081 extensions and timers (docs/configuration in README).
void load_client_extensions(ConfigFile& config, core::ClientConfig& c) {
  if (auto v = get_yes_no(config, "SymmetricNatSupport")) c.symmetric_nat_support = *v;
  if (auto v = get_yes_no(config, "Hairpinning")) c.hairpinning = *v;
  if (auto v = get_yes_no(config, "ServerLoadReduction")) c.server_load_reduction = *v;
  if (auto v = get_yes_no(config, "PortPreservingNat")) c.port_preserving = *v;
  if (auto v = get_yes_no(config, "SequentialNat")) c.sequential = *v;
  if (auto v = get_yes_no(config, "LocalDiscovery")) c.local_discovery = *v;
  // Secure qualification (RFC 4380 5.2.2): both or neither.
  auto id = config.get_string("ClientIdentifier");
  auto secret = config.get_string("ClientSecret");
  if (id && (id->empty() || id->size() > kMaxClientIdentifier))
    config.add_error("ClientIdentifier", "ClientIdentifier must be 1 to 255 characters");
  else if (secret && (secret->empty() || secret->size() > kMaxClientSecret))
    config.add_error("ClientSecret", "ClientSecret must be 1 to 255 characters");
  else if (id && !secret)
    config.add_error("ClientIdentifier", "ClientIdentifier needs a ClientSecret");
  else if (secret && !id)
    config.add_error("ClientSecret", "ClientSecret needs a ClientIdentifier");
  else if (id && secret)
    c.key = core::ClientKey{*id, std::vector<std::uint8_t>(secret->begin(), secret->end()), false};
  if (auto r = config.get_unsigned("RefreshInterval", kMinRefreshInterval, kMaxRefreshInterval))
    c.refresh_interval = std::chrono::seconds(*r);
}

}  // namespace

const char* role_name(TeredoRole role) {
  switch (role) {
    case TeredoRole::Client:
      return "client";
    case TeredoRole::Cone:
      return "cone";
    case TeredoRole::Restricted:
      return "restricted";
  }
  return "?";
}

std::optional<RelaySettings> load_relay_settings(ConfigFile& config) {
  RelaySettings s;
  s.syslog_facility = os::default_syslog_facility();
  s.role_line = config.line_of("RelayType");
  const bool had_type = s.role_line != 0;
  auto type = config.get_enum("RelayType", kRelayTypes);
  if (auto f = config.get_enum("SyslogFacility", os::syslog_facility_names()))
    s.syslog_facility = os::syslog_facility_value(*f);
  if (had_type && !type) return std::nullopt;  // invalid value, already reported with its line
  if (type) s.role = kRoleOfType[*type];
  if (s.role == TeredoRole::Client) return s;  // the caller goes on with load_client_settings

  s.relay.mode = s.role == TeredoRole::Restricted ? core::RelayMode::Restricted : core::RelayMode::Cone;
  if (s.role == TeredoRole::Restricted)
    config.add_warning("RelayType",
                       "RelayType restricted is deprecated and STRONGLY DISCOURAGED: it sends direct bubbles "
                       "to every new peer; use cone (relay) instead");

  read_interface_name(config, s);
  if (auto m = config.get_unsigned("InterfaceMTU", 1280, 65535)) s.relay.mtu = *m;
  if (auto p = config.get_prefix32("Prefix")) s.relay.prefix = *p;
  if (auto served = config.get_ipv6_prefixes("ServedPrefixes", core::RelayConfig::kMaxServedPrefixes)) {
    std::copy(served->begin(), served->end(), s.relay.served.begin());
    s.relay.served_count = served->size();
  }
  read_socket_and_tables(config, s, s.relay.max_peers);
  for (const char* name : {"ServerAddress", "ServerAddress2"}) {
    if (config.get_string(name))
      config.add_warning(name, std::string(name) + " is superfluous in relay mode");
  }
  config.finish();
  if (config.has_errors()) return std::nullopt;
  return s;
}

std::optional<ClientSettings> load_client_settings(ConfigFile& config,
                                                   const std::optional<std::string>& server_name,
                                                   int syslog_facility) {
  ClientSettings s;
  s.syslog_facility = syslog_facility;
  std::optional<proto::Ipv4Addr> primary;
  std::optional<proto::Ipv4Addr> secondary;
  const char* primary_directive = "ServerAddress";
  bool valid = true;

  if (server_name) {
    // The command line wins; read the directives only to report the override.
    for (const char* name : {"ServerAddress", "ServerAddress2"}) {
      if (config.get_string(name))
        config.add_warning(name, std::string(name) + " ignored: SERVER_NAME given on the command line");
    }
    primary_directive = "";
    os::Ipv4Resolution r = os::resolve_ipv4(*server_name);
    if (!r.address) {
      config.add_error("", "Cannot resolve Teredo server address \"" + *server_name + "\": " + r.error);
      valid = false;
    }
    primary = r.address;
  } else if (!config.has("ServerAddress")) {
    // Miredo: "Server address not specified". Point at RelayType when it is there.
    config.add_error(
        "RelayType",
        "Server address not specified: ServerAddress is required in client mode (or give SERVER_NAME "
        "on the command line)");
    config.get_ipv4("ServerAddress2");
    valid = false;
  } else {
    primary = config.get_ipv4("ServerAddress");  // resolution errors are reported with the line
    secondary = config.get_ipv4("ServerAddress2");
    if (!primary) valid = false;
  }
  if (primary && !secondary) secondary = proto::Ipv4Addr{primary->value + 1};

  if (primary) {
    s.server_name = os::to_string(*primary);
    if (!proto::is_global_unicast(*primary)) {
      config.add_error(primary_directive,
                       "Teredo server has a non global IPv4 address (" + os::to_string(*primary) + ")");
      valid = false;
    } else if (secondary && !proto::is_global_unicast(*secondary)) {
      config.add_error(
          server_name ? "" : "ServerAddress2",
          "Teredo server has a non global secondary IPv4 address (" + os::to_string(*secondary) + ")");
      valid = false;
    }
    s.client.server = *primary;
    if (secondary) s.client.server2 = *secondary;
  }

  read_interface_name(config, s);
  read_socket_and_tables(config, s, s.client.max_peers);
  load_client_extensions(config, s.client);
  // RFC 6081 3: UPnP needs Symmetric NAT Support (its mapping is only used behind a symmetric NAT).
  const bool upnp_written = config.has("UPnP");
  if (auto v = get_yes_no(config, "UPnP")) s.upnp = *v;
  if (s.upnp && !s.client.symmetric_nat_support) {
    if (upnp_written)
      config.add_warning("UPnP",
                         "UPnP needs SymmetricNatSupport (RFC 6081 3): off with SymmetricNatSupport no");
    s.upnp = false;
  }
  if (auto r = config.get_enum("DefaultRoute", kDefaultRouteNames))
    s.default_route = static_cast<DefaultRoute>(*r);
  if (auto hook = config.get_string("HookScript")) {
    if (hook->empty() || hook->front() != '/')
      config.add_error("HookScript",
                       "invalid value \"" + *hook + "\" for HookScript (expected an absolute path)");
    else
      s.hook_script = *hook;
  }
  // The prefix is pinned: an RA for another one is rejected, the helper installs no other address.
  if (auto p = config.get_prefix32("Prefix")) s.client.prefix = *p;
  if (config.get_string("InterfaceMTU"))
    config.add_warning(
        "InterfaceMTU",
        "InterfaceMTU is superfluous in client mode: the client takes it from the server's router "
        "advertisement");
  config.finish();
  if (!valid || config.has_errors()) return std::nullopt;
  return s;
}

bool check_hook_script(ConfigFile& config, const ClientSettings& s) {
  if (!s.hook_script) return true;
  if (!os::is_executable(*s.hook_script)) {
    config.add_error("HookScript", "HookScript " + *s.hook_script + " is not an executable file");
    return false;
  }
  // The helper runs it as root: only root may choose what it is (as OpenSSH requires of its files).
  if (auto problem = os::untrusted_path_problem(*s.hook_script)) {
    config.add_error("HookScript", "HookScript " + *s.hook_script + " is refused: " + *problem +
                                       " (the script and each directory above it must be root's and "
                                       "writable by root alone)");
    return false;
  }
  return true;
}

std::optional<TeredodSettings> load_teredod_settings(ConfigFile& config,
                                                     const std::optional<std::string>& server_name) {
  auto relay = load_relay_settings(config);
  if (!relay) return std::nullopt;
  if (relay->role != TeredoRole::Client) return TeredodSettings{std::move(*relay)};
  auto client = load_client_settings(config, server_name, relay->syslog_facility);
  if (!client || !check_hook_script(config, *client)) return std::nullopt;
  return TeredodSettings{std::move(*client)};
}

std::optional<std::string> miredo_hook_notice(const ClientSettings& s, const std::string& config_path,
                                              const std::string& miredo_hook) {
  if (s.hook_script || !os::is_executable(miredo_hook)) return std::nullopt;
  return "Miredo's hook " + miredo_hook +
         " is not run: without HookScript teredod configures the interface itself (address, MTU, "
         "routes). To run it on every state change as Miredo did, add \"HookScript " +
         miredo_hook + "\" to " + config_path;
}

std::optional<TeredodSettings> load_teredod_config(const daemon::CommandLine& options) {
  const std::string path = options.config_file.value_or(kDefaultTeredodConfig);
  std::optional<ConfigFile> file = load_daemon_config(options, kDefaultTeredodConfig);
  if (!file) return std::nullopt;
  ConfigFile& config = *file;
  auto settings = load_teredod_settings(config, options.server_name);
  log_diagnostics(config);
  if (!settings) {
    log::alert("Fatal configuration error in {}", path);
    return std::nullopt;
  }
  // Once per start, not on every reload.
  static bool hook_noticed = false;
  if (const auto* client = std::get_if<ClientSettings>(&*settings); client && !hook_noticed) {
    hook_noticed = true;
    if (auto notice = miredo_hook_notice(*client, path)) log::notice("{}", *notice);
  }
  if (std::holds_alternative<RelaySettings>(*settings) && options.server_name)
    log::notice("SERVER_NAME \"{}\" ignored: it applies to client mode only", *options.server_name);
  return settings;
}

}  // namespace teredo::config
