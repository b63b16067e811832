// SPDX-License-Identifier: GPL-2.0-or-later
// teredod's version, as the build sets it (CMakeLists.txt: the project version), and what every
// program's --version prints after it: the revision and the build's options (version.cpp, from a
// header the build generates: a new revision recompiles version.cpp alone).
#pragma once

#include <string>
#include <string_view>

#ifndef TEREDOD_VERSION
#define TEREDOD_VERSION "unknown"
#endif

namespace teredo::daemon {

inline constexpr const char* kVersion = TEREDOD_VERSION;

/// The revision the programs were built from: TEREDO_REVISION when the build sets it, else
/// `git describe --always --dirty` of the source tree at build time, else "unknown".
const char* revision();

/// What --version prints: `first_line` ("teredod 0.1.0"), then one "key: value" line each for the
/// revision, the build type, the compiler, the sanitizers, the static C++ runtime, eBPF steering,
/// libminiupnpc and libcrypto. Ends with a newline.
std::string version_text(std::string_view first_line);

}  // namespace teredo::daemon
