// SPDX-License-Identifier: GPL-2.0-or-later
// Configuration diagnostics: what is wrong, where (file and line), and how bad it is.
#pragma once

#include <string>
#include <vector>

namespace teredo::config {

enum class Severity { Warning, Error };

/// One finding. line is 1-based; 0 means "the file as a whole" (e.g. it cannot be read).
struct Diagnostic {
  Severity severity = Severity::Error;
  std::string file;
  unsigned line = 0;
  std::string message;

  /// "FILE:LINE: message", or "FILE: message" when line is 0.
  std::string to_string() const {
    return line == 0 ? file + ": " + message : file + ":" + std::to_string(line) + ": " + message;
  }
};

using Diagnostics = std::vector<Diagnostic>;

inline bool has_errors(const Diagnostics& d) {
  for (const auto& x : d)
    if (x.severity == Severity::Error) return true;
  return false;
}

}  // namespace teredo::config
