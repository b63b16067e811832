// SPDX-License-Identifier: GPL-2.0-or-later
// Command-line options shared by teredod-server and teredod, in Miredo's form:
// [-c FILE] [-f] [-h] [-V] [-u USER] [-p PIDFILE] [-t DIR] [SERVER_NAME] (miredo-behaviour.md 1.1).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace teredo::daemon {

/// Process exit codes (Miredo's convention).
inline constexpr int kExitOk = 0;
inline constexpr int kExitSetupFailure = 1;
inline constexpr int kExitUsage = 2;

struct CommandLine {
  std::optional<std::string> config_file;  // -c, --config, --conf
  bool foreground = false;                 // -f, --foreground
  std::optional<std::string> user;         // -u, --user, --username
  std::optional<std::string> pidfile;      // -p, --pidfile
  std::optional<std::string> chroot_dir;   // -t, --chroot, --chrootdir
  std::optional<std::string> server_name;  // optional positional argument
};

/// What the program should do after parsing.
enum class CommandAction { Run, Help, Version, UsageError };

struct ParsedCommandLine {
  CommandAction action = CommandAction::Run;
  CommandLine options;
  /// For UsageError: one line, without the program name ("Duplicate parameter: -c").
  std::string error;

  /// kExitUsage for UsageError, else kExitOk (Help and Version exit 0; Run is up to the caller).
  int exit_code() const { return action == CommandAction::UsageError ? kExitUsage : kExitOk; }
};

/// Parses argv[1..]. Short options may be bundled (-fc FILE) and take values attached or
/// separate (-cFILE, -c FILE); long options take "--opt=V" or "--opt V"; "--" ends options.
/// -h/-V take effect only if the whole command line is valid. Pure: no I/O, no globals.
ParsedCommandLine parse_command_line(std::span<const std::string_view> args);

/// A program's defaults, shown by --help (empty: not shown).
struct UsageDefaults {
  std::string_view config_file;
  std::string_view pidfile;
  std::string_view user;
};

/// The --help text: `summary` is one line about the program, `server_name_help` explains
/// SERVER_NAME (both end without a newline).
std::string usage_text(std::string_view program, std::string_view summary, std::string_view server_name_help,
                       const UsageDefaults& defaults = {});

}  // namespace teredo::daemon
