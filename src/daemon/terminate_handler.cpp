// SPDX-License-Identifier: GPL-2.0-or-later
// The daemons' terminate handler: logs the uncaught exception and aborts.
//
// It replaces libstdc++'s verbose handler (__gnu_cxx::__verbose_terminate_handler), which with
// the statically linked runtime (teredo_lean_runtime) brings the whole C++ name demangler,
// ~45 kB of text mapped in every process, only to print an exception's type before abort
// (idle memory). Listed in each executable's sources, not in a library: the definition
// must be linked before libstdc++.a is searched for it.
#include <cstdlib>
#include <exception>
#include <string>

#include "daemon/log.hpp"

namespace __gnu_cxx {  // NOLINT: the runtime's replaceable default handler

void __verbose_terminate_handler() {
  static bool entered = false;  // terminate from within the handler: just abort
  if (!entered) {
    entered = true;
    if (std::exception_ptr e = std::current_exception()) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        teredo::daemon::log::write(teredo::daemon::log::Level::Alert,
                                   std::string("terminate: uncaught exception: ") + x.what());
      } catch (...) {
        teredo::daemon::log::write(teredo::daemon::log::Level::Alert,
                                   "terminate: uncaught exception of unknown type");
      }
    } else {
      teredo::daemon::log::write(teredo::daemon::log::Level::Alert,
                                 "terminate called without an active exception");
    }
  }
  std::abort();
}

}  // namespace __gnu_cxx
