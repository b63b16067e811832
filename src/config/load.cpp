// SPDX-License-Identifier: GPL-2.0-or-later
// The daemons' configuration file and its diagnostics to the log.
#include "config/load.hpp"

#include "daemon/log.hpp"

namespace teredo::config {

namespace log = daemon::log;

DaemonConfigFile read_daemon_config(const daemon::CommandLine& options, const std::string& default_path,
                                    const Ipv4Resolver& resolver) {
  const std::string path = options.config_file.value_or(default_path);
  ConfigFile config = ConfigFile::load(path, resolver);
  if (config.readable()) return DaemonConfigFile{std::move(config), {}};
  const std::string why = config.diagnostics().front().message;
  if (options.config_file)
    return DaemonConfigFile{std::nullopt, "Loading configuration from " + path + " (-c) failed: " + why};
  if (!options.server_name)
    return DaemonConfigFile{std::nullopt,
                            "Loading configuration from " + path + " failed: " + why +
                                " (name another file with -c FILE, or give SERVER_NAME on the command line "
                                "to run on the defaults)"};
  return DaemonConfigFile{ConfigFile::empty(path, resolver),
                          "Loading configuration from " + path + " failed (" + why +
                              "); running on the defaults with SERVER_NAME " + *options.server_name};
}

std::optional<ConfigFile> load_daemon_config(const daemon::CommandLine& options,
                                             const std::string& default_path) {
  DaemonConfigFile r = read_daemon_config(options, default_path);
  if (!r.file)
    log::alert("{}", r.message);
  else if (!r.message.empty())
    log::warning("{}", r.message);
  return std::move(r.file);
}

void log_diagnostics(const ConfigFile& config) {
  for (const Diagnostic& d : config.diagnostics()) {
    if (d.severity == Severity::Error)
      log::error("{}", d.to_string());
    else
      log::warning("{}", d.to_string());
  }
}

}  // namespace teredo::config
