// SPDX-License-Identifier: GPL-2.0-or-later
// systemd's runtime directory ($RUNTIME_DIRECTORY, from a unit's RuntimeDirectory=): where a daemon
// started by a unit keeps its control socket and empty chroot, so that each instance of a
// template unit (teredod@NAME.service: /run/teredod@NAME) has its own without configuration.
#pragma once

#include <string>
#include <string_view>

namespace teredo::os {

/// `name` in the first directory of $RUNTIME_DIRECTORY when it is set to an absolute path;
/// otherwise `default_path` (the compiled-in default, used outside systemd).
std::string runtime_directory_path(std::string_view default_path, std::string_view name);

}  // namespace teredo::os
