// Client settings: server address resolution and override, interface and socket directives.
#include "config/client_settings.hpp"

#include "config/relay_settings.hpp"
#include "os/net_text.hpp"
#include "os/tun_device.hpp"

namespace teredo::config {

namespace {

bool valid_interface_name(const std::string& name) {
  return !name.empty() && name.size() <= os::kMaxInterfaceName && name.find('/') == std::string::npos &&
         name != "." && name != "..";
}

}  // namespace

std::optional<ClientSettings> load_client_settings(ConfigFile& config, const std::optional<std::string>& server_name,
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
    config.add_error("RelayType",
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
      config.add_error(server_name ? "" : "ServerAddress2",
                       "Teredo server has a non global secondary IPv4 address (" + os::to_string(*secondary) + ")");
      valid = false;
    }
    s.client.server = *primary;
    if (secondary) s.client.server2 = *secondary;
  }

  if (auto name = config.get_string("InterfaceName")) {
    if (!valid_interface_name(*name))
      config.add_error("InterfaceName", "invalid value \"" + *name + "\" for InterfaceName (expected a name of 1 to " +
                                            std::to_string(os::kMaxInterfaceName) + " characters)");
    else
      s.interface_name = *name;
  }
  if (auto a = config.get_ipv4("BindAddress")) s.bind.addr = *a;
  if (auto p = config.get_unsigned("BindPort", 0, 65535)) s.bind.port = static_cast<std::uint16_t>(*p);
  if (auto n = config.get_unsigned("MaxPeers", kMinMaxPeers, kMaxMaxPeers)) s.client.max_peers = *n;
  load_offload_settings(config, s.offload);
  s.control = load_control_settings(config, kDefaultTeredodControlSocket);
  if (auto hook = config.get_string("HookScript")) {
    if (hook->empty() || hook->front() != '/')
      config.add_error("HookScript", "invalid value \"" + *hook + "\" for HookScript (expected an absolute path)");
    else
      s.hook_script = *hook;
  }
  for (const char* name : {"InterfaceMTU", "Prefix"}) {
    if (config.get_string(name))
      config.add_warning(name, std::string(name) +
                                   " is superfluous in client mode: the client takes it from the server's "
                                   "router advertisement");
  }
  config.finish();
  if (!valid || config.has_errors()) return std::nullopt;
  return s;
}

}  // namespace teredo::config
