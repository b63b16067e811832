// SPDX-License-Identifier: GPL-2.0-or-later
// teredod-checkconf --miredo: what teredod does with each line of a Miredo file (miredo.conf or
// miredo-server.conf; miredo-behaviour.md 2), as a report for whoever migrates. Each directive
// line gets one verdict: the same meaning as in Miredo, accepted with a different behaviour,
// ignored, or refused (with what to write instead). The verdicts come from the daemons' own
// loaders run on the file (so a refusal is exactly what the daemon would refuse) and from what
// teredod knows of Miredo's directives (docs/migration.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/checkconf.hpp"
#include "config/config_file.hpp"
#include "config/defaults.hpp"
#include "config/diagnostic.hpp"

namespace teredo::config {

enum class Verdict {
  Same,     // accepted, and it means what it meant to Miredo
  Differs,  // accepted, with a different behaviour (which is said)
  Ignored,  // read and left aside (why is said), as Miredo would or not
  Refused,  // an error: the daemon would not start with it (what to write instead is said)
};

/// "same", "differs", "ignored", "refused".
const char* verdict_name(Verdict v);

struct LineVerdict {
  unsigned line = 0;
  std::string name;   // as written
  std::string value;  // empty for a lone name
  Verdict verdict = Verdict::Same;
  std::string explanation;
};

struct MigrationReport {
  std::string file;
  ConfigKind kind = ConfigKind::Teredod;
  /// "client", "cone", "restricted", "server"; empty when the file is refused before it is known.
  std::string mode;
  std::vector<LineVerdict> lines;
  /// What concerns the file as a whole: problems without a line (errors refuse the file), and
  /// what differs by default (the hook, the interface name...).
  Diagnostics file_notes;
  bool ok() const;
};

/// Reviews a Miredo file. `kind`: Server for a miredo-server.conf, Teredod for a miredo.conf;
/// nullopt: from its directives (classify_config: ServerBindAddress or ServerBindAddress2 make a
/// server file). Resolves host names with the resolver `config` was parsed with (checkconf: the
/// offline one). `miredo_hook`: where Miredo's client hook would be (for the note about it).
MigrationReport review_miredo_config(ConfigFile config, std::optional<ConfigKind> kind,
                                     const std::string& miredo_hook = kMiredoClientHook);

/// The report as printed: a heading, "FILE:LINE: VERDICT: Name Value: explanation" for each
/// directive line, the notes as "FILE: note|error: ...", and a summary line.
std::string format_migration_report(const MigrationReport& report);

}  // namespace teredo::config
