// SPDX-License-Identifier: GPL-2.0-or-later
// The exit summary.
#include "control/stats_text.hpp"

#include <fmt/core.h>

namespace teredo::control {

std::string summary_line(const std::vector<CounterValue>& counters, const proto::DropCounters& drops) {
  std::string out;
  for (const CounterValue& c : counters) {
    if (c.value == 0) continue;
    out += fmt::format("{}={}, ", c.info->name, c.value);
  }
  out += fmt::format("{} dropped", drops.total());
  const char* sep = " (";
  for (std::size_t i = 0; i < proto::kDropCount; ++i) {
    if (drops.count[i] == 0) continue;
    out += fmt::format("{}{}={}", sep, proto::kDropNames[i], drops.count[i]);
    sep = ", ";
  }
  if (drops.total() != 0) out += ")";
  return out;
}

}  // namespace teredo::control
