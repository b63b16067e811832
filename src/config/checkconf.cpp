// SPDX-License-Identifier: GPL-2.0-or-later
// teredod-checkconf: classification, offline resolution and the command line.
#include "config/checkconf.hpp"

#include <cctype>
#include <map>
#include <memory>
#include <ostream>
#include <vector>

#include "config/defaults.hpp"
#include "config/miredo_migration.hpp"
#include "config/server_settings.hpp"
#include "config/teredod_settings.hpp"
#include "daemon/command_line.hpp"
#include "daemon/version.hpp"
#include "os/net_text.hpp"

namespace teredo::config {

using daemon::CommandAction;
using daemon::kExitOk;
using daemon::kExitSetupFailure;
using daemon::kExitUsage;

namespace {

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// The last label of a name, without a trailing dot.
std::string_view last_label(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  const std::size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

// Looks like a number rather than a host name: getaddrinfo would treat it as numeric.
bool looks_numeric(std::string_view name) {
  const std::string_view last = last_label(name);
  return is_digits(last) || (last.size() > 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X'));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

}  // namespace

ConfigKind classify_config(const ConfigFile& config) {
  return config.has("ServerBindAddress") || config.has("ServerBindAddress2") ? ConfigKind::Server
                                                                             : ConfigKind::Teredod;
}

const char* config_kind_name(ConfigKind kind) {
  return kind == ConfigKind::Server ? "teredod-server" : "teredod";
}

bool is_valid_host_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253 || looks_numeric(name)) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    start = end + 1;
  }
  return true;
}

Ipv4Resolver offline_resolver() {
  // Shared by copies of the resolver, so that one name always gets one placeholder.
  auto names = std::make_shared<std::map<std::string, std::uint32_t>>();
  return [names](std::string_view name, std::string& error) -> std::optional<proto::Ipv4Addr> {
    if (auto a = os::parse_ipv4(name)) return a;
    if (looks_numeric(name)) {
      // The numeric forms getaddrinfo accepts without DNS (inet_aton: 127.1, 0x7f.1, 2130706433).
      if (auto a = os::parse_ipv4_numeric(name)) return a;
      error = "not a valid IPv4 address";
      return std::nullopt;
    }
    if (!is_valid_host_name(name)) {
      error = "not a valid IPv4 address or host name";
      return std::nullopt;
    }
    // 1.0.N.2 for the Nth distinct name: global unicast, and N.3 (primary + 1) is never taken.
    auto [it, added] = names->try_emplace(lower(name), 0);
    if (added) it->second = 0x01000002u + (static_cast<std::uint32_t>(names->size()) << 8);
    return proto::Ipv4Addr{it->second};
  };
}

CheckResult check_config(ConfigFile config, std::optional<ConfigKind> kind) {
  CheckResult r;
  r.kind = kind.value_or(classify_config(config));
  if (!config.readable()) {
    r.diagnostics = config.diagnostics();
    return r;
  }
  if (r.kind == ConfigKind::Server) {
    if (load_server_settings(config, std::nullopt)) r.mode = "server";
  } else if (auto relay = load_relay_settings(config)) {
    r.mode = role_name(relay->role);
    if (relay->role == TeredoRole::Client) {
      auto client = load_client_settings(config, std::nullopt, relay->syslog_facility);
      if (client) check_hook_script(config, *client);
    }
  }
  r.diagnostics = config.diagnostics();
  return r;
}

std::string format_diagnostic(const Diagnostic& d) {
  std::string out = d.file;
  if (d.line != 0) out += ":" + std::to_string(d.line);
  out += d.severity == Severity::Error ? ": error: " : ": warning: ";
  out += d.message;
  return out;
}

namespace {

std::string checkconf_usage() {
  const std::string p = kCheckconfProgram;
  return "Usage: " + p +
         " [--miredo] [--server] [-c FILE] [FILE]\n"
         "Checks a teredod or teredod-server configuration file without using the network.\n"
         "\n"
         "  -c, --config FILE    file to check (alias --conf; a FILE argument wins)\n"
         "      --server         check FILE as a teredod-server.conf (miredo-server.conf with --miredo)\n"
         "      --miredo         review a Miredo file: for each line, what teredod does with it\n"
         "                       (same, differs, ignored or refused), on stdout\n"
         "      --list-directives\n"
         "                       print every directive of both files (FILE, NAME, MODES, DEFAULT,\n"
         "                       RANGE, tab-separated) and exit\n"
         "  -h, --help           display this help and exit\n"
         "  -V, --version        display the version and exit\n"
         "  -f, --foreground, -p, --pidfile FILE, -t, --chroot DIR, -u, --user USER\n"
         "                       accepted and ignored (the daemons' options; aliases --chrootdir,\n"
         "                       --username)\n"
         "\n"
         "Default FILE: " +
         std::string(kDefaultTeredodConfig) + " (" + kDefaultServerConfig +
         " with --server; with --miredo, " + kDefaultMiredoConfig + " or " + kDefaultMiredoServerConfig +
         "). Without --server, a file with ServerBindAddress\n"
         "(or ServerBindAddress2) is checked as a server file, any other as a teredod.conf.\n"
         "Problems are printed as FILE:LINE: error|warning: message on stderr.\n"
         "Exit status: 0 no error (warnings allowed), 1 an error (with --miredo: a line teredod refuses),\n"
         "2 command-line error.\n";
}

}  // namespace

int checkconf_main(std::span<const std::string_view> args, std::string_view version, std::ostream& out,
                   std::ostream& err) {
  // --miredo, --server and --list-directives are teredod-checkconf's own; the rest is the daemons'
  // command line.
  bool miredo = false;
  bool server = false;
  unsigned list = 0;
  std::vector<std::string_view> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {  // what follows is a FILE, whatever it looks like
      rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    if (args[i] == "--miredo")
      miredo = true;
    else if (args[i] == "--server")
      server = true;
    else if (args[i] == "--list-directives")
      ++list;
    else
      rest.push_back(args[i]);
  }
  daemon::ParsedCommandLine parsed = daemon::parse_command_line(rest);
  if (parsed.action == CommandAction::Run && list > 0) {
    if (list > 1) {
      parsed.action = CommandAction::UsageError;
      parsed.error = "Duplicate parameter: --list-directives";
    } else if (parsed.options.config_file || parsed.options.server_name || miredo || server) {
      parsed.action = CommandAction::UsageError;
      parsed.error = "--list-directives reads no file";
    } else {
      out << directives_listing();
      return kExitOk;
    }
  }
  switch (parsed.action) {
    case CommandAction::UsageError:
      err << kCheckconfProgram << ": " << parsed.error << "\nTry '" << kCheckconfProgram
          << " --help' for more information.\n";
      return kExitUsage;
    case CommandAction::Help:
      out << checkconf_usage();
      return kExitOk;
    case CommandAction::Version:
      out << daemon::version_text(std::string(kCheckconfProgram) + " " + std::string(version));
      return kExitOk;
    case CommandAction::Run:
      break;
  }
  const char* default_path = miredo ? (server ? kDefaultMiredoServerConfig : kDefaultMiredoConfig)
                                    : (server ? kDefaultServerConfig : kDefaultTeredodConfig);
  // The positional argument (the daemons' SERVER_NAME) is the file here, and wins over -c.
  const std::string path =
      parsed.options.server_name.value_or(parsed.options.config_file.value_or(default_path));
  const std::optional<ConfigKind> kind = server ? std::optional(ConfigKind::Server) : std::nullopt;
  ConfigFile config = ConfigFile::load(path, offline_resolver());
  if (miredo) {
    if (!config.readable()) {
      for (const Diagnostic& d : config.diagnostics()) err << format_diagnostic(d) << '\n';
      return kExitSetupFailure;
    }
    const MigrationReport report = review_miredo_config(std::move(config), kind);
    out << format_migration_report(report);
    return report.ok() ? kExitOk : kExitSetupFailure;
  }
  const CheckResult r = check_config(std::move(config), kind);
  for (const Diagnostic& d : r.diagnostics) err << format_diagnostic(d) << '\n';
  return r.ok() ? kExitOk : kExitSetupFailure;
}

}  // namespace teredo::config
