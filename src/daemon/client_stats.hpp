// Statistics of the client data path, and their text form (TEREDOD_STATS_FILE, exit summary).
#pragma once

#include <cstddef>
#include <string>

#include "core/client.hpp"
#include "proto/drop.hpp"

namespace teredo::daemon {

struct ClientStats {
  core::ClientCounters counters;
  proto::DropCounters drops;
  core::ClientState state = core::ClientState::Probing;
  std::size_t peers = 0;
  std::size_t queued_packets = 0;
};

ClientStats collect_client_stats(const core::Client& client, const proto::DropCounters& driver_drops);

/// One "name value" per line, all numeric: every ClientCounters field, "state" (0 probing,
/// 1 qualified, 2 down), "drop_<reason>" for every proto::kDropNames entry, "drops_total",
/// "peers" and "queued_packets". (The address goes to the log, not here.)
std::string format_client_stats(const ClientStats& s);

/// One log line with the totals and the non-zero drop counters by name.
std::string summarize_client_stats(const ClientStats& s);

}  // namespace teredo::daemon
