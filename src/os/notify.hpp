// SPDX-License-Identifier: GPL-2.0-or-later
// systemd's notification protocol (sd_notify(3), Type=notify): a no-op outside systemd.
#pragma once

#include <string>
#include <string_view>

namespace teredo::os {

/// Sends `state` ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...", "WATCHDOG=1") to the
/// service manager's socket named by $NOTIFY_SOCKET (a path, or '@' for an abstract name), as
/// systemd documents the protocol: one datagram on an AF_UNIX socket. No libsystemd. Returns true
/// when there is no $NOTIFY_SOCKET (nothing to do) or the datagram was sent; never fails loudly.
bool notify_service_manager(std::string_view state);

/// The same to an explicit socket address (tests; "" means none).
bool notify_socket_send(const std::string& socket_address, std::string_view state);

/// The watchdog interval systemd asks for ($WATCHDOG_USEC, for this process when $WATCHDOG_PID
/// is set), in microseconds; 0 when there is none.
unsigned long long watchdog_interval_usec();

}  // namespace teredo::os
