// SPDX-License-Identifier: GPL-2.0-or-later
// Command-line parser. Written by hand instead of getopt_long so that it is re-entrant and
// testable, and so that duplicates are reported as Miredo does ("Duplicate parameter").
#include "daemon/command_line.hpp"

#include <array>

namespace teredo::daemon {

namespace {

enum class Opt { Config, Foreground, Help, Version, User, Pidfile, Chroot };

struct OptionSpec {
  Opt opt;
  char short_name;
  std::array<std::string_view, 2> long_names;
  bool takes_value;
};

constexpr std::array<OptionSpec, 7> kOptions = {{
    {Opt::Config, 'c', {"config", "conf"}, true},
    {Opt::Foreground, 'f', {"foreground", ""}, false},
    {Opt::Help, 'h', {"help", ""}, false},
    {Opt::Version, 'V', {"version", ""}, false},
    {Opt::User, 'u', {"user", "username"}, true},
    {Opt::Pidfile, 'p', {"pidfile", ""}, true},
    {Opt::Chroot, 't', {"chroot", "chrootdir"}, true},
}};

const OptionSpec* find_short(char c) {
  for (const auto& o : kOptions)
    if (o.short_name == c) return &o;
  return nullptr;
}

const OptionSpec* find_long(std::string_view name) {
  for (const auto& o : kOptions)
    for (auto n : o.long_names)
      if (!n.empty() && n == name) return &o;
  return nullptr;
}

class Parser {
 public:
  explicit Parser(ParsedCommandLine& out) : out_(out) {}

  // Applies one option; false (with out_.error set) on a usage error.
  bool apply(const OptionSpec& spec, std::string_view shown, std::string_view value) {
    const auto index = static_cast<std::size_t>(spec.opt);
    if (seen_[index]) return fail("Duplicate parameter: " + std::string(shown));
    seen_[index] = true;
    CommandLine& o = out_.options;
    switch (spec.opt) {
      case Opt::Config:
        o.config_file = std::string(value);
        break;
      case Opt::Foreground:
        o.foreground = true;
        break;
      case Opt::Help:
        help_ = true;
        break;
      case Opt::Version:
        version_ = true;
        break;
      case Opt::User:
        o.user = std::string(value);
        break;
      case Opt::Pidfile:
        o.pidfile = std::string(value);
        break;
      case Opt::Chroot:
        o.chroot_dir = std::string(value);
        break;
    }
    return true;
  }

  bool positional(std::string_view arg) {
    if (out_.options.server_name) return fail("unexpected extra parameter: " + std::string(arg));
    out_.options.server_name = std::string(arg);
    return true;
  }

  bool fail(std::string message) {
    out_.action = CommandAction::UsageError;
    out_.error = std::move(message);
    return false;
  }

  bool help() const { return help_; }
  bool version() const { return version_; }

 private:
  ParsedCommandLine& out_;
  std::array<bool, kOptions.size()> seen_{};
  bool help_ = false;
  bool version_ = false;
};

}  // namespace

ParsedCommandLine parse_command_line(std::span<const std::string_view> args) {
  ParsedCommandLine out;
  Parser p(out);
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      if (!p.positional(arg)) return out;
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg.starts_with("--")) {
      std::string_view name = arg.substr(2);
      std::optional<std::string_view> value;
      if (const auto eq = name.find('='); eq != std::string_view::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const OptionSpec* spec = find_long(name);
      if (spec == nullptr) {
        p.fail("unrecognized option '--" + std::string(name) + "'");
        return out;
      }
      if (!spec->takes_value && value) {
        p.fail("option '--" + std::string(name) + "' doesn't allow an argument");
        return out;
      }
      if (spec->takes_value && !value) {
        if (i + 1 >= args.size()) {
          p.fail("option '--" + std::string(name) + "' requires an argument");
          return out;
        }
        value = args[++i];
      }
      if (!p.apply(*spec, arg.substr(0, 2 + name.size()), value.value_or(""))) return out;
      continue;
    }
    // A bundle of short options: -fV, -cFILE, -fc FILE.
    for (std::size_t j = 1; j < arg.size(); ++j) {
      const OptionSpec* spec = find_short(arg[j]);
      const std::string shown = std::string("-") + arg[j];
      if (spec == nullptr) {
        p.fail("invalid option -- '" + std::string(1, arg[j]) + "'");
        return out;
      }
      if (!spec->takes_value) {
        if (!p.apply(*spec, shown, "")) return out;
        continue;
      }
      std::string_view value = arg.substr(j + 1);
      if (value.empty()) {
        if (i + 1 >= args.size()) {
          p.fail("option requires an argument -- '" + std::string(1, arg[j]) + "'");
          return out;
        }
        value = args[++i];
      }
      if (!p.apply(*spec, shown, value)) return out;
      break;
    }
  }
  if (p.help())
    out.action = CommandAction::Help;
  else if (p.version())
    out.action = CommandAction::Version;
  return out;
}

std::string usage_text(std::string_view program, std::string_view summary, std::string_view server_name_help,
                       const UsageDefaults& defaults) {
  const auto with_default = [](std::string_view text, std::string_view value) {
    return value.empty() ? std::string(text) + "\n"
                         : std::string(text) + " (default " + std::string(value) + ")\n";
  };
  const std::string p(program);
  return "Usage: " + p + " [OPTIONS] [SERVER_NAME]\n" + std::string(summary) +
         "\n"
         "\n" +
         with_default("  -c, --config FILE    configuration file (alias --conf)", defaults.config_file) +
         "  -f, --foreground     run in the foreground; log to stderr as well\n"
         "  -h, --help           display this help and exit\n" +
         with_default("  -p, --pidfile FILE   pidfile and single-instance lock", defaults.pidfile) +
         "  -t, --chroot DIR     chroot into DIR after set-up (alias --chrootdir)\n" +
         with_default("  -u, --user USER      unprivileged user to run as (alias --username)",
                      defaults.user) +
         "  -V, --version        display the version and exit\n"
         "\n" +
         std::string(server_name_help) +
         "\n"
         "Exit status: 0 success, 1 set-up failure, 2 command-line error.\n";
}

}  // namespace teredo::daemon
