// Relay settings: RelayType semantics, interface and socket directives, and their checks.
#include "config/relay_settings.hpp"

#include <array>
#include <string_view>

#include "daemon/log.hpp"
#include "os/tun_device.hpp"

namespace teredo::config {

namespace log = daemon::log;

namespace {

// Miredo's RelayType values (miredo-behaviour.md 2.2), in the order of kRoleOfType.
constexpr std::array<std::string_view, 5> kRelayTypes = {"client", "autoclient", "relay", "cone", "restricted"};
constexpr std::array<TeredoRole, 5> kRoleOfType = {TeredoRole::Client, TeredoRole::Client, TeredoRole::Cone,
                                                   TeredoRole::Cone, TeredoRole::Restricted};

}  // namespace

const char* role_name(TeredoRole role) {
  switch (role) {
    case TeredoRole::Client: return "client";
    case TeredoRole::Cone: return "cone";
    case TeredoRole::Restricted: return "restricted";
  }
  return "?";
}

std::optional<RelaySettings> load_relay_settings(ConfigFile& config) {
  RelaySettings s;
  s.syslog_facility = log::default_syslog_facility();
  s.role_line = config.line_of("RelayType");
  const bool had_type = s.role_line != 0;
  auto type = config.get_enum("RelayType", kRelayTypes);
  if (auto f = config.get_enum("SyslogFacility", log::syslog_facility_names()))
    s.syslog_facility = log::syslog_facility_value(*f);
  if (had_type && !type) return std::nullopt;  // invalid value, already reported with its line
  if (type) s.role = kRoleOfType[*type];
  if (s.role == TeredoRole::Client) return s;  // the caller stops: client mode comes later

  s.relay.mode = s.role == TeredoRole::Restricted ? core::RelayMode::Restricted : core::RelayMode::Cone;
  if (s.role == TeredoRole::Restricted)
    config.add_warning("RelayType",
                       "RelayType restricted is deprecated and STRONGLY DISCOURAGED: it sends direct bubbles "
                       "to every new peer; use cone (relay) instead");

  if (auto name = config.get_string("InterfaceName")) {
    if (name->empty() || name->size() > os::kMaxInterfaceName || name->find('/') != std::string::npos ||
        *name == "." || *name == "..")
      config.add_error("InterfaceName", "invalid value \"" + *name + "\" for InterfaceName (expected a name of 1 to " +
                                            std::to_string(os::kMaxInterfaceName) + " characters)");
    else
      s.interface_name = *name;
  }
  if (auto m = config.get_unsigned("InterfaceMTU", 1280, 65535)) s.relay.mtu = *m;
  if (auto p = config.get_prefix32("Prefix")) s.relay.prefix = *p;
  if (auto a = config.get_ipv4("BindAddress")) s.bind.addr = *a;
  if (auto p = config.get_unsigned("BindPort", 0, 65535)) s.bind.port = static_cast<std::uint16_t>(*p);
  if (auto n = config.get_unsigned("MaxPeers", kMinMaxPeers, kMaxMaxPeers)) s.relay.max_peers = *n;
  load_offload_settings(config, s.offload);
  s.control = load_control_settings(config, kDefaultTeredodControlSocket);

  for (const char* name : {"ServerAddress", "ServerAddress2"}) {
    if (config.get_string(name)) config.add_warning(name, std::string(name) + " is superfluous in relay mode");
  }
  config.finish();
  if (config.has_errors()) return std::nullopt;
  return s;
}

}  // namespace teredo::config
