// Statistics of the client data path, and their text form (TEREDOD_STATS_FILE, exit summary).
#pragma once

#include <cstddef>
#include <string>

#include "core/client.hpp"
#include "proto/drop.hpp"

namespace teredo::datapath {

struct ClientStats {
  core::ClientCounters counters;
  proto::DropCounters drops;
  core::ClientState state = core::ClientState::Probing;
  std::size_t peers = 0;
  std::size_t queued_packets = 0;
  // Several workers (handoff.hpp): packets passed to the worker owning their peer, and taken
  // over from the others (state records from worker 0 included).
  std::uint64_t handed_off = 0;
  std::uint64_t taken_over = 0;
};

ClientStats collect_client_stats(const core::Client& client, const proto::DropCounters& driver_drops,
                                 std::uint64_t handed_off = 0, std::uint64_t taken_over = 0);

/// Adds a follower worker's counters, drops, peers and queue to `a` (the state stays a's: the
/// first worker's).
ClientStats& operator+=(ClientStats& a, const ClientStats& b);

/// One "name value" per line, all numeric: every ClientCounters field, "state" (0 probing,
/// 1 qualified, 2 down), "drop_<reason>" for every proto::kDropNames entry, "drops_total",
/// "peers", "queued_packets", "handed_off" and "taken_over". (The address goes to the log, not here.)
std::string format_client_stats(const ClientStats& s);

/// One log line with the totals and the non-zero drop counters by name.
std::string summarize_client_stats(const ClientStats& s);

}  // namespace teredo::datapath
