// Text forms of server statistics.
#include "daemon/server_stats.hpp"

#include <fmt/core.h>

namespace teredo::daemon {

std::string format_stats(const ServerStats& s) {
  const core::ServerCounters& c = s.counters;
  std::string out = fmt::format(
      "received {}\nrouter_solicitations {}\nrouter_advertisements {}\nforwarded_teredo {}\n"
      "forwarded_native {}\nbubbles_forwarded {}\necho_forwarded {}\n",
      c.received, c.router_solicitations, c.router_advertisements, c.forwarded_teredo, c.forwarded_native,
      c.bubbles_forwarded, c.echo_forwarded);
  for (std::size_t i = 0; i < proto::kDropCount; ++i) out += fmt::format("drop_{} {}\n", proto::kDropNames[i], s.drops.count[i]);
  out += fmt::format("drops_total {}\n", s.drops.total());
  return out;
}

std::string summarize_stats(const ServerStats& s) {
  const core::ServerCounters& c = s.counters;
  std::string out = fmt::format(
      "{} packets received, {} router solicitations answered, {} forwarded over UDP, {} forwarded as native "
      "IPv6, {} dropped",
      c.received, c.router_advertisements, c.forwarded_teredo, c.forwarded_native, s.drops.total());
  bool first = true;
  for (std::size_t i = 0; i < proto::kDropCount; ++i) {
    if (s.drops.count[i] == 0) continue;
    out += fmt::format("{}{}={}", first ? " (" : ", ", proto::kDropNames[i], s.drops.count[i]);
    first = false;
  }
  if (!first) out += ")";
  return out;
}

}  // namespace teredo::daemon
