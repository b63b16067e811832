// SPDX-License-Identifier: GPL-2.0-or-later
// teredod-checkconf's logic (miredo-behaviour.md 1.3, with Miredo's bugs fixed): decide whether
// a file is a teredod.conf (client/relay) or a teredod-server.conf, run the daemon's own settings
// loaders on it without touching the network, and print every problem as
// "FILE:LINE: error|warning: message". Exit status: 0 no error (warnings allowed), 1 an error,
// 2 a command-line error.
#pragma once

#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/config_file.hpp"
#include "config/defaults.hpp"
#include "config/diagnostic.hpp"
#include "config/directives.hpp"

namespace teredo::config {

/// Server when ServerBindAddress or ServerBindAddress2 is present (directives only a
/// teredod-server.conf has), else Teredod (RelayType then picks client or relay settings).
ConfigKind classify_config(const ConfigFile& config);

/// "teredod" or "teredod-server".
const char* config_kind_name(ConfigKind kind);

/// A resolver that never uses the network. Dotted quads (and the other numeric forms
/// getaddrinfo accepts, such as 127.1) are parsed; a syntactically valid host name (RFC 1123
/// labels) maps to a distinct placeholder global unicast address (the same name, the same
/// address; primary + 1 never collides with another name), so that the loaders' global-unicast
/// checks apply to literal addresses only. Anything else is an error.
Ipv4Resolver offline_resolver();

/// True if `name` is a syntactically valid host name with a non-numeric last label.
bool is_valid_host_name(std::string_view name);

struct CheckResult {
  ConfigKind kind = ConfigKind::Teredod;
  /// "server", "client", "cone" or "restricted"; empty when the role could not be decided.
  std::string mode;
  Diagnostics diagnostics;
  bool ok() const { return !has_errors(diagnostics); }
};

/// Classifies `config` (unless `kind` says what it is) and runs the matching loader
/// (load_server_settings, or load_relay_settings then load_client_settings), with no SERVER_NAME.
/// In client mode a HookScript that is not executable is an error, as it is for the daemon at
/// start-up.
CheckResult check_config(ConfigFile config, std::optional<ConfigKind> kind = std::nullopt);

/// "FILE:LINE: error: message" ("FILE: warning: message" when line is 0).
std::string format_diagnostic(const Diagnostic& d);

/// The whole program: parses argv[1..] as [--miredo] [--server] [-c FILE] [-f] [-p F] [-t D]
/// [-u U] [-h] [-V] [FILE], loads the file (a positional FILE wins over -c; default
/// /etc/teredod/teredod.conf, or teredod-server.conf with --server) with offline_resolver(),
/// prints diagnostics to `err`, help and version to `out`. --server checks the file as a
/// teredod-server.conf whatever it holds. --miredo reviews a Miredo file instead
/// (miredo_migration.hpp; default /etc/miredo/miredo.conf, or miredo-server.conf with --server):
/// its report goes to `out`. Returns the exit status.
int checkconf_main(std::span<const std::string_view> args, std::string_view version, std::ostream& out,
                   std::ostream& err);

}  // namespace teredo::config
