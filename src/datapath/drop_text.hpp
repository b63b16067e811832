// Text forms of drop counters shared by the client, relay and server statistics.
#pragma once

#include <string>

#include "proto/drop.hpp"

namespace teredo::datapath {

/// Appends "drop_<reason> <count>" for every proto::kDropNames entry, one per line.
void append_drop_lines(std::string& out, const proto::DropCounters& drops);

/// Appends " (reason=count, ...)" with the non-zero drop counters by name; nothing when all are zero.
void append_drop_summary(std::string& out, const proto::DropCounters& drops);

}  // namespace teredo::datapath
