// SPDX-License-Identifier: GPL-2.0-or-later
// A daemon's small state files under a directory of its own (/var/lib/teredod): what must outlive
// the process, such as the UPnP port mapping it may still hold (roles/upnp_state.hpp). Written by
// root only, so the directory must be root's and closed to others, and files are never followed
// through a symbolic link. A file is replaced whole (written beside it, then renamed).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "os/os_result.hpp"

namespace teredo::os {

/// Makes sure `dir` exists (created mode 0755 whatever the umask; its parent must exist), is a
/// directory owned by this process's effective user, and is not writable by group or others.
/// Failures: operation "mkdir", "chmod", "stat", "owner" (EPERM) or "mode" (EPERM).
OsStatus prepare_state_dir(const std::string& dir);

/// The contents of the regular file `path`, nullopt when there is none (ENOENT). Refuses a
/// symbolic link (ELOOP), another kind of file (operation "open", EINVAL) and a file larger
/// than `max_bytes` (operation "read", EFBIG).
OsResult<std::optional<std::string>> read_state_file(const std::string& path, std::size_t max_bytes);

/// Replaces `path` with `contents` (mode 0644): written to `path`.new, flushed, renamed over it.
OsStatus write_state_file(const std::string& path, const std::string& contents);

/// Removes `path`; a missing file is not an error.
OsStatus remove_state_file(const std::string& path);

}  // namespace teredo::os
