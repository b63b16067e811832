// Running an external program (the client hook, miredo-behaviour.md 3) with a given environment
// and waiting for it.
#pragma once

#include <string>
#include <vector>

#include "os/os_result.hpp"

namespace teredo::os {

/// Forks and executes `path` with argv {path} and exactly `environment` ("NAME=value"
/// entries; nothing is inherited). The child gets the default signal dispositions and an
/// empty signal mask, stdin from /dev/null and stdout on stderr, and no descriptor but 0-2.
/// Blocks until it exits; returns its wait status (see WIFEXITED), or an error if it could not
/// be started.
OsResult<int> run_program(const std::string& path, const std::vector<std::string>& environment);

}  // namespace teredo::os
