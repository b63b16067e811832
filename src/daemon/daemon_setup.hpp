// SPDX-License-Identifier: GPL-2.0-or-later
// Start-up steps shared by teredod and teredod-server, each logging its own failure in one line
// (miredo-behaviour.md 1.6, 6): configuration diagnostics, the run-as user, the pidfile lock,
// daemonisation and the statistics file.
#pragma once

#include <optional>
#include <string>

#include "os/daemonize.hpp"
#include "os/pidfile.hpp"
#include "os/privileges.hpp"

namespace teredo::daemon {

/// Looks up the -u user (refusing uid 0); logs and returns nullopt on failure.
std::optional<os::TargetUser> lookup_run_user(const std::string& name);

/// Forks unless `foreground` (the launcher exits inside, with the set-up status reported later
/// through Daemonizer::ready). Returns false, logged, if forking failed.
bool start_daemon(bool foreground, std::optional<os::Daemonizer>& daemonizer);

/// Takes the pidfile lock; logs "another instance of PROGRAM is already running" when held.
std::optional<os::PidFile> take_pidfile(const std::string& path, const char* program);

/// Tells the launcher that set-up succeeded and stops logging to stderr (no-op in -f mode).
void finish_daemon_setup(std::optional<os::Daemonizer>& daemonizer);

}  // namespace teredo::daemon
