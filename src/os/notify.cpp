// SPDX-License-Identifier: GPL-2.0-or-later
// sd_notify through libsystemd, loaded with dlopen only when $NOTIFY_SOCKET is set: a daemon
// started outside systemd never maps libsystemd and what it drags in (libgcrypt, libzstd, liblzma,
// liblz4, libcap), which costs memory in every process of the tree (idle memory).
#include "os/notify.hpp"

#include <dlfcn.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <mutex>

namespace teredo::os {

namespace {

using SdNotify = decltype(&::sd_notify);

// Null when libsystemd.so.0 cannot be loaded or lacks sd_notify.
SdNotify load_sd_notify() {
  void* lib = ::dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return nullptr;
  return reinterpret_cast<SdNotify>(::dlsym(lib, "sd_notify"));  // the handle stays open
}

}  // namespace

bool notify_service_manager(const char* state) {
  static std::once_flag once;
  static SdNotify sd_notify_fn = nullptr;
  static bool wanted = false;
  std::call_once(once, [] {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    wanted = socket != nullptr && *socket != '\0';
    if (wanted) sd_notify_fn = load_sd_notify();
  });
  if (!wanted) return true;  // as sd_notify: nothing to do outside systemd
  return sd_notify_fn != nullptr && sd_notify_fn(0, state) >= 0;
}

}  // namespace teredo::os
