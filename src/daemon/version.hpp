// SPDX-License-Identifier: GPL-2.0-or-later
// teredod's version, as the build sets it (CMakeLists.txt: the project version).
#pragma once

#ifndef TEREDOD_VERSION
#define TEREDOD_VERSION "unknown"
#endif

namespace teredo::daemon {

inline constexpr const char* kVersion = TEREDOD_VERSION;

}  // namespace teredo::daemon
