// Statistics of a Teredo server worker (or the sum over workers), and their text form.
#pragma once

#include <string>

#include "core/server.hpp"
#include "datapath/counter_sum.hpp"
#include "proto/drop.hpp"

namespace teredo::datapath {

/// Core counters plus all drops: the core's own and the driver's (send failures).
struct ServerStats {
  core::ServerCounters counters;
  proto::DropCounters drops;

  ServerStats& operator+=(const ServerStats& o) {
    add_counters(counters, o.counters);
    drops += o.drops;
    return *this;
  }
};

/// One "name value" pair per line: the counters (received, router_solicitations, ...), then
/// "drop_<reason>" for every reason in proto::kDropNames, then "drops_total".
std::string format_stats(const ServerStats& s);

/// One log line with the totals and the non-zero drop counters by name.
std::string summarize_stats(const ServerStats& s);

}  // namespace teredo::datapath
