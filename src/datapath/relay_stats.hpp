// Statistics of the relay data path, and their text form (TEREDOD_STATS_FILE, exit summary).
#pragma once

#include <cstddef>
#include <string>

#include "core/relay.hpp"
#include "proto/drop.hpp"

namespace teredo::datapath {

/// A snapshot of the core's counters and tables plus the driver's own drops (send failures).
struct RelayStats {
  core::RelayCounters counters;
  proto::DropCounters drops;
  std::size_t peers = 0;             // entries in the peer table
  std::size_t peer_slots = 0;        // slots allocated for it
  std::size_t peer_table_bytes = 0;  // memory of those slots
  std::size_t queued_packets = 0;    // packets waiting for a path to open
  // Several workers (handoff.hpp): packets passed to the worker owning their peer, and taken
  // over from the others.
  std::uint64_t handed_off = 0;
  std::uint64_t taken_over = 0;
};

/// Sums the statistics of several workers.
RelayStats& operator+=(RelayStats& a, const RelayStats& b);

RelayStats collect_relay_stats(const core::Relay& relay, const proto::DropCounters& driver_drops,
                               std::uint64_t handed_off = 0, std::uint64_t taken_over = 0);

/// One "name value" per line: every RelayCounters field, then "drop_<reason>" for every
/// proto::kDropNames entry, "drops_total", "peers", "peer_slots", "peer_table_bytes",
/// "queued_packets", "handed_off" and "taken_over".
std::string format_relay_stats(const RelayStats& s);

/// One log line with the totals and the non-zero drop counters by name.
std::string summarize_relay_stats(const RelayStats& s);

}  // namespace teredo::datapath
