// SPDX-License-Identifier: GPL-2.0-or-later
// systemd readiness notification (sd_notify, Type=notify): a no-op outside systemd.
#pragma once

namespace teredo::os {

/// Sends `state` ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...") to $NOTIFY_SOCKET if
/// set (sd_notify from libsystemd.so.0, loaded on the first call only when $NOTIFY_SOCKET is set).
/// Never fails loudly: returns false if the message could not be sent.
bool notify_service_manager(const char* state);

}  // namespace teredo::os
