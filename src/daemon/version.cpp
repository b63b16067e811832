// SPDX-License-Identifier: GPL-2.0-or-later
// The revision and build options --version prints (version.hpp).
#include "daemon/version.hpp"

#include "teredo_build_info.hpp"

namespace teredo::daemon {

const char* revision() {
  return TEREDO_BUILD_REVISION;
}

std::string version_text(std::string_view first_line) {
  std::string out(first_line);
  out +=
      "\n"
      "revision: " TEREDO_BUILD_REVISION
      "\n"
      "build type: " TEREDO_BUILD_TYPE
      "\n"
      "compiler: " TEREDO_BUILD_COMPILER
      "\n"
      "sanitizers: " TEREDO_BUILD_SANITIZERS
      "\n"
      "static C++ runtime: " TEREDO_BUILD_STATIC_RUNTIME
      "\n"
      "eBPF steering: " TEREDO_BUILD_EBPF_STEERING
      "\n"
      "libminiupnpc: " TEREDO_BUILD_MINIUPNPC
      "\n"
      "libcrypto: " TEREDO_BUILD_LIBCRYPTO "\n";
  return out;
}

}  // namespace teredo::daemon
