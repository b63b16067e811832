// SPDX-License-Identifier: GPL-2.0-or-later
// The text of counters in the log: the one line a worker writes when it stops.
#pragma once

#include <string>
#include <vector>

#include "control/snapshot.hpp"
#include "proto/drop.hpp"

namespace teredo::control {

/// "tun_packets=16, udp_datagrams=19, ..., 11 dropped (datagram_too_short=3, not_ipv6=4, ...)":
/// every counter that is not zero, by name, then the drops with their non-zero reasons.
std::string summary_line(const std::vector<CounterValue>& counters, const proto::DropCounters& drops);

}  // namespace teredo::control
