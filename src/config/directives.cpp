// SPDX-License-Identifier: GPL-2.0-or-later
// The table of directives (directives.hpp). Keep it in step with the readers: directives_test.cpp
// fails when a reader asks for a directive that is not here, or no longer asks for one that is.
#include "config/directives.hpp"

#include <array>

#include "config/datapath_settings.hpp"
#include "config/defaults.hpp"
#include "config/teredod_settings.hpp"

namespace teredo::config {

namespace {

constexpr unsigned kTunnel = kInClient | kInRelay;
constexpr unsigned kAll = kTunnel | kInServer;

// A directive whose default is a value of its own.
constexpr DirectiveInfo value(std::string_view name, unsigned modes, std::string_view def) {
  return {name, modes, def, true, false, 0, 0};
}
// The same with a numeric range.
constexpr DirectiveInfo number(std::string_view name, unsigned modes, std::string_view def, std::uint32_t min,
                               std::uint32_t max) {
  return {name, modes, def, true, true, min, max};
}
// A directive whose default is described ("none", "ServerAddress + 1").
constexpr DirectiveInfo described(std::string_view name, unsigned modes, std::string_view def) {
  return {name, modes, def, false, false, 0, 0};
}

constexpr auto kDirectives = std::to_array<DirectiveInfo>({
    // Both files.
    value("SyslogFacility", kAll, "daemon"),
    value("Prefix", kAll, "2001:0::"),
    number("InterfaceMTU", kInRelay | kInServer, "1280", 1280, 65535),
    number("Workers", kAll, "auto", 1, kMaxWorkers),
    value("ControlSocket", kTunnel, kDefaultTeredodControlSocket),
    value("ControlSocket", kInServer, kDefaultServerControlSocket),
    described("ControlGroup", kAll, "root only"),
    described("MetricsListen", kAll, "none"),
    described("MetricsAuthFile", kAll, "none"),
    // teredod.conf: every mode.
    value("RelayType", kTunnel, "client"),
    value("InterfaceName", kTunnel, kDefaultInterfaceName),
    value("BindAddress", kTunnel, "0.0.0.0"),
    number("BindPort", kTunnel, "0", 0, 65535),
    number("MaxPeers", kInClient, "65536", kMinMaxPeers, kMaxMaxPeers),
    number("MaxPeers", kInRelay, "1048576", kMinMaxPeers, kMaxMaxPeers),
    value("Offload", kTunnel, "yes"),
    value("TunOffload", kTunnel, "yes"),
    value("UdpGso", kTunnel, "yes"),
    value("UdpGro", kTunnel, "yes"),
    value("Steering", kTunnel, "yes"),
    // teredod.conf: client mode.
    described("ServerAddress", kInClient, "none"),
    described("ServerAddress2", kInClient, "ServerAddress + 1"),
    described("HookScript", kInClient, "none"),
    value("DefaultRoute", kInClient, "auto"),
    number("RefreshInterval", kInClient, "30", kMinRefreshInterval, kMaxRefreshInterval),
    value("SymmetricNatSupport", kInClient, "yes"),
    value("Hairpinning", kInClient, "yes"),
    value("ServerLoadReduction", kInClient, "yes"),
    value("PortPreservingNat", kInClient, "yes"),
    value("SequentialNat", kInClient, "yes"),
    value("UPnP", kInClient, "yes"),
    value("LocalDiscovery", kInClient, "yes"),
    described("ClientIdentifier", kInClient, "none"),
    described("ClientSecret", kInClient, "none"),
    // teredod.conf: relay modes.
    described("ServedPrefixes", kInRelay, "all"),
    // teredod-server.conf.
    described("ServerBindAddress", kInServer, "none"),
    described("ServerBindAddress2", kInServer, "ServerBindAddress + 1"),
    described("ClientKeysFile", kInServer, "none"),
    value("RequireAuthentication", kInServer, "no"),
    number("DestinationRateLimit", kInServer, "200", 0, 1000000),
    number("SourceRateLimit", kInServer, "2000", 0, 1000000),
});

}  // namespace

unsigned modes_of(ConfigKind file) {
  return file == ConfigKind::Server ? kInServer : kInClient | kInRelay;
}

std::span<const DirectiveInfo> directives() {
  return kDirectives;
}

const char* config_file_name(ConfigKind kind) {
  return kind == ConfigKind::Server ? "teredod-server.conf" : "teredod.conf";
}

std::string modes_text(unsigned modes) {
  std::string out;
  for (const auto& [bit, name] :
       {std::pair{kInClient, "client"}, {kInRelay, "relay"}, {kInServer, "server"}}) {
    if ((modes & bit) == 0) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

std::string directives_listing() {
  std::string out;
  for (const ConfigKind file : {ConfigKind::Teredod, ConfigKind::Server}) {
    for (const DirectiveInfo& d : kDirectives) {
      const unsigned modes = d.modes & modes_of(file);
      if (modes == 0) continue;
      out += config_file_name(file);
      out += '\t';
      out += d.name;
      out += '\t' + modes_text(modes) + '\t';
      out += d.default_text;
      out += '\t';
      out += d.has_range ? std::to_string(d.min) + " to " + std::to_string(d.max) : std::string("-");
      out += '\n';
    }
  }
  return out;
}

}  // namespace teredo::config
