// SPDX-License-Identifier: GPL-2.0-or-later
// Running an external program (the client hook, miredo-behaviour.md 3) with a given environment
// and waiting for it, for a bounded time.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "os/os_result.hpp"

namespace teredo::os {

struct ProgramOutcome {
  int status = 0;          // its wait status (see WIFEXITED)
  bool timed_out = false;  // it was still running after the timeout: its process group was killed
};

/// Forks and executes `path` with argv {path} and exactly `environment` ("NAME=value"
/// entries; nothing is inherited). The child gets the default signal dispositions and an
/// empty signal mask, stdin from /dev/null and stdout on stderr, no descriptor but 0-2, and a
/// process group of its own. Blocks until it exits, or until `timeout` has passed: then the
/// whole group gets SIGKILL. An error if it could not be started.
OsResult<ProgramOutcome> run_program(const std::string& path, const std::vector<std::string>& environment,
                                     std::chrono::milliseconds timeout);

}  // namespace teredo::os
