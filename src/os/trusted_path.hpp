// SPDX-License-Identifier: GPL-2.0-or-later
// Files a root process runs or loads must be root's alone, as OpenSSH requires of its
// configuration: the file and every directory above it owned by root and writable by nobody
// else. Otherwise whoever can write one of them chooses what root executes.
#pragma once

#include <optional>
#include <string>

namespace teredo::os {

/// nullopt when `path` (resolved: symbolic links followed) is a regular file and it and each of
/// its directories up to / are owned by uid 0 and not writable by group or others; otherwise
/// the problem in words ("/srv/hooks is writable by group or others (mode 0775)").
std::optional<std::string> untrusted_path_problem(const std::string& path);

/// The same for a directory: the directory itself and, with `ancestors`, those above.
std::optional<std::string> untrusted_directory_problem(const std::string& path, bool ancestors = true);

/// True when `path` names a directory (symbolic links followed).
bool directory_exists(const std::string& path);

}  // namespace teredo::os
