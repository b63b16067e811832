// SPDX-License-Identifier: GPL-2.0-or-later
// teredod-checkconf --miredo (miredo_migration.hpp): the daemons' loaders decide what is refused;
// the table below says what each of Miredo's directives becomes.
#include "config/miredo_migration.hpp"

#include <cerrno>
#include <cstdlib>
#include <span>
#include <string_view>

#include "os/process.hpp"

namespace teredo::config {

namespace {

// What one of Miredo's directives becomes in one mode ("client", "relay": cone and restricted,
// "tunnel": client and relay alike, "server"), when the loader raised no error about it.
struct Meaning {
  std::string_view name;
  std::string_view mode;
  Verdict verdict;
  std::string_view text;
};

constexpr Meaning kMeanings[] = {
    {"RelayType", "client", Verdict::Same,
     "client mode: qualifies with a Teredo server (autoclient is an alias)"},
    {"RelayType", "relay", Verdict::Same,
     "relay mode (relay and cone: cone relay; restricted: deprecated, direct bubbles to every new peer)"},
    {"ServerAddress", "client", Verdict::Differs,
     "the Teredo server; teredod resolves a host name when the file is read (at start and on each reload) "
     "and "
     "does not start if it does not resolve, where Miredo resolves it later and keeps retrying"},
    {"ServerAddress2", "client", Verdict::Differs,
     "the server's second address (default ServerAddress + 1): teredod sends its NAT probe (RFC 4380 5.2.1) "
     "there; Miredo reads it but never uses it"},
    {"Prefix", "client", Verdict::Differs,
     "Miredo ignores it in client mode (superfluous); teredod accepts only router advertisements for this "
     "prefix and installs no other address (default 2001:0::)"},
    {"Prefix", "relay", Verdict::Same, "the Teredo prefix the relay serves and routes (its first 32 bits)"},
    {"InterfaceMTU", "relay", Verdict::Same, "the tunnel's MTU"},
    {"InterfaceName", "tunnel", Verdict::Same,
     "the tunnel interface's name (teredod creates it and refuses to start if an interface of that name "
     "exists already)"},
    {"BindAddress", "tunnel", Verdict::Same, "the local IPv4 address of the Teredo UDP socket"},
    {"BindPort", "tunnel", Verdict::Same, "the local UDP port (0: any)"},
    {"SyslogFacility", "tunnel", Verdict::Same, "the syslog facility"},
    {"SyslogFacility", "server", Verdict::Same, "the syslog facility"},
    {"ServerBindAddress", "server", Verdict::Same, "the primary IPv4 address (UDP port 3544)"},
    {"ServerBindAddress2", "server", Verdict::Same,
     "the secondary IPv4 address (UDP port 3544; default ServerBindAddress + 1)"},
    {"Prefix", "server", Verdict::Same, "the Teredo prefix advertised to clients"},
    {"InterfaceMTU", "server", Verdict::Same, "the MTU advertised to clients"},
};

// What to write instead, for a refused line of one of Miredo's directives.
struct Advice {
  std::string_view name;
  std::string_view text;
};

constexpr Advice kAdvice[] = {
    {"RelayType", "write client, autoclient, relay, cone or restricted"},
    {"ServerAddress", "write the server's global unicast IPv4 address or its host name"},
    {"ServerAddress2", "write the server's second global unicast IPv4 address, or remove the line"},
    {"Prefix", "write a global unicast IPv6 prefix such as 2001:0::"},
    {"InterfaceMTU",
     "write a value from 1280 to 65535 (below 1280 Miredo fails too, when it creates the tunnel)"},
    {"InterfaceName", "write a name of 1 to 15 characters without '/'"},
    {"BindAddress", "write a local IPv4 address or host name"},
    {"BindPort", "write a port from 0 to 65535"},
    {"SyslogFacility", "write daemon, user, local0 to local7 or another facility syslog(3) names"},
    {"ServerBindAddress", "write a global unicast IPv4 address of this host"},
    {"ServerBindAddress2", "write the next global unicast IPv4 address of this host, or remove the line"},
};

std::string_view mode_group(std::string_view mode) {
  return mode == "cone" || mode == "restricted" ? std::string_view("relay") : mode;
}

const Meaning* meaning_of(std::string_view name, std::string_view mode) {
  for (const Meaning& m : kMeanings) {
    const bool mode_matches = m.mode == mode || (m.mode == "tunnel" && mode != "server");
    if (mode_matches && equals_ignoring_case(m.name, name)) return &m;
  }
  return nullptr;
}

std::string advice_of(std::string_view name) {
  for (const Advice& a : kAdvice)
    if (equals_ignoring_case(a.name, name)) return std::string(a.text);
  return "fix the value as the message says";
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// A port from 1 to 1023, which Miredo cannot bind (it binds after dropping its privileges).
bool privileged_port(const std::string& value) {
  errno = 0;
  char* end = nullptr;
  const unsigned long v = std::strtoul(value.c_str(), &end, 0);
  return errno == 0 && end != nullptr && *end == '\0' && v >= 1 && v < 1024;
}

std::string join_messages(std::span<const Diagnostic* const> ds) {
  std::string out;
  for (const Diagnostic* d : ds) {
    if (!out.empty()) out += "; ";
    out += d->message;
  }
  return out;
}

// The verdict of one directive line, from the loader's diagnostics about that line.
LineVerdict judge(const SourceLine& l, std::string_view mode, const Diagnostics& diagnostics) {
  LineVerdict v{l.line, l.name, l.value, Verdict::Same, {}};
  std::vector<const Diagnostic*> errors;
  std::vector<const Diagnostic*> warnings;
  for (const Diagnostic& d : diagnostics) {
    if (d.line != l.line) continue;
    (d.severity == Severity::Error ? errors : warnings).push_back(&d);
  }
  const bool miredo = is_miredo_directive(l.name);
  if (l.value.empty()) {
    v.verdict = Verdict::Ignored;
    v.explanation = "no value: the line is ignored, as Miredo ignores it (\"Ignoring line\")";
    return v;
  }
  if (!errors.empty()) {
    v.verdict = Verdict::Refused;
    v.explanation = join_messages(errors);
    v.explanation += miredo ? "; " + advice_of(l.name) : std::string();
    return v;
  }
  const std::string warned = join_messages(warnings);
  for (const Diagnostic* w : warnings) {
    if (contains(w->message, "duplicate directive")) {
      v.verdict = Verdict::Ignored;
      v.explanation = w->message + ", as in Miredo (the first one applies)";
      return v;
    }
    if (contains(w->message, "unknown directive")) {
      v.verdict = Verdict::Ignored;
      v.explanation = miredo
                          ? "not a directive of this kind of file, for teredod as for Miredo (\"Superfluous "
                            "directive\")"
                          : "unknown to teredod (and to Miredo: \"Superfluous directive\")";
      return v;
    }
    if (contains(w->message, "superfluous") || contains(w->message, "ignored:")) {
      v.verdict = Verdict::Ignored;
      v.explanation = warned;
      return v;
    }
  }
  const Meaning* m = meaning_of(l.name, mode_group(mode));
  if (m != nullptr) {
    v.verdict = m->verdict;
    v.explanation = std::string(m->text);
    if (equals_ignoring_case(l.name, "BindPort") && privileged_port(l.value)) {
      v.verdict = Verdict::Differs;
      v.explanation +=
          "; below 1024 Miredo cannot bind it (it binds after dropping its privileges), teredod can";
    }
  } else if (miredo) {
    // One of Miredo's directives that this mode does not read, and no warning said so.
    v.verdict = Verdict::Ignored;
    v.explanation = "not used in " + std::string(mode) + " mode";
  } else {
    v.verdict = Verdict::Differs;
    v.explanation = "a teredod directive, accepted; Miredo would ignore it (\"Superfluous directive\")";
  }
  if (!warned.empty()) v.explanation += " (warning: " + warned + ")";
  return v;
}

Diagnostic note(const std::string& file, std::string message, Severity s = Severity::Warning) {
  return Diagnostic{s, file, 0, std::move(message)};
}

}  // namespace

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Same:
      return "same";
    case Verdict::Differs:
      return "differs";
    case Verdict::Ignored:
      return "ignored";
    case Verdict::Refused:
      return "refused";
  }
  return "?";
}

bool MigrationReport::ok() const {
  for (const LineVerdict& l : lines)
    if (l.verdict == Verdict::Refused) return false;
  return !has_errors(file_notes);
}

MigrationReport review_miredo_config(ConfigFile config, std::optional<ConfigKind> kind,
                                     const std::string& miredo_hook) {
  MigrationReport r;
  r.file = config.file_name();
  const std::vector<SourceLine> lines = config.source_lines();
  const bool has_hook = config.has("HookScript");
  const bool has_name = config.has("InterfaceName");
  const CheckResult checked = check_config(std::move(config), kind);
  r.kind = checked.kind;
  r.mode = checked.mode;
  // A refused file may leave the mode unknown: what its RelayType says, else client.
  std::string mode = r.mode;
  if (mode.empty()) mode = r.kind == ConfigKind::Server ? "server" : "client";
  for (const SourceLine& l : lines) r.lines.push_back(judge(l, mode, checked.diagnostics));
  for (const Diagnostic& d : checked.diagnostics)
    if (d.line == 0) r.file_notes.push_back(d);

  if (r.kind == ConfigKind::Teredod) {
    if (mode == "client" && !has_hook) {
      const bool present = os::is_executable(miredo_hook);
      r.file_notes.push_back(
          note(r.file,
               "Miredo runs " + miredo_hook + " on every state change" +
                   (present ? " (present on this host)" : "") +
                   "; teredod configures the interface itself (the address as /32, fe80::ffff:ffff:ffff/64, "
                   "the MTU from the server, default route metric 1029 unless the host has native IPv6: "
                   "DefaultRoute auto). To keep the hook, add \"HookScript " +
                   miredo_hook + "\""));
    }
    if (!has_name)
      r.file_notes.push_back(note(r.file,
                                  "no InterfaceName: teredod names the interface teredo, where Miredo lets "
                                  "the kernel choose (tun0, ...)"));
    r.file_notes.push_back(note(r.file, std::string("teredod reads ") + kDefaultTeredodConfig +
                                            " by default: copy this file there, or start teredod with -c " +
                                            r.file));
  } else {
    r.file_notes.push_back(note(r.file, std::string("teredod-server reads ") + kDefaultServerConfig +
                                            " by default: copy this file there, or start teredod-server "
                                            "with -c " +
                                            r.file));
  }
  return r;
}

std::string format_migration_report(const MigrationReport& report) {
  std::string out = report.file + ": a Miredo " +
                    (report.kind == ConfigKind::Server ? "miredo-server.conf" : "miredo.conf") + " (" +
                    (report.mode.empty() ? std::string("mode unknown") : report.mode + " mode") + "), as " +
                    config_kind_name(report.kind) + " reads it\n";
  std::size_t counts[4] = {};
  for (const LineVerdict& l : report.lines) {
    ++counts[static_cast<std::size_t>(l.verdict)];
    out += report.file + ":" + std::to_string(l.line) + ": " + verdict_name(l.verdict) + ": " + l.name;
    if (!l.value.empty()) out += " " + l.value;
    out += ": " + l.explanation + "\n";
  }
  for (const Diagnostic& d : report.file_notes)
    out += d.file + ": " + (d.severity == Severity::Error ? "error: " : "note: ") + d.message + "\n";
  out += report.file + ": " + std::to_string(report.lines.size()) +
         " directive line(s): " + std::to_string(counts[0]) + " same, " + std::to_string(counts[1]) +
         " differ, " + std::to_string(counts[2]) + " ignored, " + std::to_string(counts[3]) + " refused\n";
  return out;
}

}  // namespace teredo::config
