// Text forms of drop counters.
#include "datapath/drop_text.hpp"

#include <cstddef>

#include <fmt/core.h>

namespace teredo::datapath {

void append_drop_lines(std::string& out, const proto::DropCounters& drops) {
  for (std::size_t i = 0; i < proto::kDropCount; ++i)
    out += fmt::format("drop_{} {}\n", proto::kDropNames[i], drops.count[i]);
}

void append_drop_summary(std::string& out, const proto::DropCounters& drops) {
  bool first = true;
  for (std::size_t i = 0; i < proto::kDropCount; ++i) {
    if (drops.count[i] == 0) continue;
    out += fmt::format("{}{}={}", first ? " (" : ", ", proto::kDropNames[i], drops.count[i]);
    first = false;
  }
  if (!first) out += ")";
}

}  // namespace teredo::datapath
