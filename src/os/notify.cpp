// sd_notify wrapper (libsystemd).
#include "os/notify.hpp"

#include <systemd/sd-daemon.h>

namespace teredo::os {

bool notify_service_manager(const char* state) { return ::sd_notify(0, state) >= 0; }

}  // namespace teredo::os
