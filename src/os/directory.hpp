// SPDX-License-Identifier: GPL-2.0-or-later
// Looking at directories: what teredoctl needs to find the daemons' control sockets.
#pragma once

#include <string>
#include <vector>

namespace teredo::os {

/// The names in `dir` (not "." or ".."), sorted; empty when it cannot be read.
std::vector<std::string> directory_entries(const std::string& dir);

/// True when `path` exists and is a Unix socket (stat, following symbolic links).
bool is_socket(const std::string& path);

}  // namespace teredo::os
