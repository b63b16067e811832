// SPDX-License-Identifier: GPL-2.0-or-later
// Server settings: defaults, SERVER_NAME override and the global-unicast checks.
#include "config/server_settings.hpp"

#include "config/client_keys.hpp"
#include "config/datapath_settings.hpp"
#include "config/defaults.hpp"
#include "config/load.hpp"
#include "daemon/log.hpp"
#include "os/net_text.hpp"
#include "os/runtime_directory.hpp"
#include "os/system_log.hpp"

namespace teredo::config {

namespace log = daemon::log;

std::optional<ServerSettings> load_server_settings(ConfigFile& config,
                                                   const std::optional<std::string>& server_name) {
  ServerSettings s;
  s.syslog_facility = os::default_syslog_facility();
  std::optional<proto::Ipv4Addr> primary;
  std::optional<proto::Ipv4Addr> secondary;
  bool valid = true;

  if (server_name) {
    // The command line wins over both bind addresses; read them only to report the override.
    for (const char* name : {"ServerBindAddress", "ServerBindAddress2"}) {
      if (config.get_string(name))
        config.add_warning(name, std::string(name) + " ignored: SERVER_NAME given on the command line");
    }
    os::Ipv4Resolution r = os::resolve_ipv4(*server_name);
    if (!r.address) {
      config.add_error("", "invalid SERVER_NAME \"" + *server_name + "\": " + r.error);
      valid = false;
    } else {
      primary = r.address;
    }
  } else {
    primary = config.get_ipv4("ServerBindAddress");
    secondary = config.get_ipv4("ServerBindAddress2");
    if (!primary && !config.has_errors()) {
      config.add_error("", "ServerBindAddress is required (or give SERVER_NAME on the command line)");
      valid = false;
    }
  }
  if (primary && !secondary) secondary = proto::Ipv4Addr{primary->value + 1};

  if (auto p = config.get_prefix32("Prefix")) s.server.prefix = *p;
  if (auto m = config.get_unsigned("InterfaceMTU", 1280, 65535)) s.server.mtu = *m;
  if (auto f = config.get_enum("SyslogFacility", os::syslog_facility_names()))
    s.syslog_facility = os::syslog_facility_value(*f);
  s.control = load_control_settings(
      config, os::runtime_directory_path(kDefaultServerControlSocket, kServerControlSocketName));
  load_worker_count(config, s.workers);
  // Secure qualification (RFC 4380 5.2.2).
  if (auto path = config.get_string("ClientKeysFile")) {
    if (path->empty() || path->front() != '/') {
      config.add_error("ClientKeysFile", "ClientKeysFile must be an absolute path");
    } else {
      ClientKeys k = load_client_keys(*path);
      for (const std::string& e : k.errors) config.add_error("ClientKeysFile", e);
      if (k.errors.empty() && k.keys.empty())
        config.add_error("ClientKeysFile", *path + ": no key in the file");
      s.server.keys = std::move(k.keys);
      s.client_keys_file = *path;
    }
  }
  if (auto r = config.get_unsigned("DestinationRateLimit", 0, 1'000'000)) s.server.destination_rate = *r;
  if (auto r = config.get_unsigned("SourceRateLimit", 0, 1'000'000)) s.server.source_rate = *r;
  if (auto v = get_yes_no(config, "RequireAuthentication")) {
    s.server.require_authentication = *v;
    if (*v && s.client_keys_file.empty() && !config.has_errors())
      config.add_error("RequireAuthentication", "RequireAuthentication yes needs a ClientKeysFile");
  }

  if (primary && secondary) {
    if (!proto::is_global_unicast(*primary) || !proto::is_global_unicast(*secondary)) {
      const char* culprit = proto::is_global_unicast(*primary) ? "ServerBindAddress2" : "ServerBindAddress";
      config.add_error(server_name ? "" : culprit, "Server IPv4 addresses must be global unicast (" +
                                                       os::to_string(*primary) + ", " +
                                                       os::to_string(*secondary) + ")");
      valid = false;
    } else if (*primary == *secondary) {
      config.add_error("ServerBindAddress2", "ServerBindAddress2 must differ from ServerBindAddress");
      valid = false;
    }
    s.server.primary = *primary;
    s.server.secondary = *secondary;
  }
  config.finish();
  if (!valid || config.has_errors()) return std::nullopt;
  return s;
}

std::optional<ServerSettings> load_server_config(const daemon::CommandLine& options) {
  const std::string path = options.config_file.value_or(kDefaultServerConfig);
  std::optional<ConfigFile> file = load_daemon_config(options, kDefaultServerConfig);
  if (!file) return std::nullopt;
  ConfigFile& config = *file;
  auto settings = load_server_settings(config, options.server_name);
  log_diagnostics(config);
  if (!settings) log::alert("Fatal configuration error in {}", path);
  return settings;
}

}  // namespace teredo::config
