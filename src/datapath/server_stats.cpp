// Text forms of server statistics.
#include "datapath/server_stats.hpp"

#include <fmt/core.h>

#include "datapath/drop_text.hpp"

namespace teredo::datapath {

std::string format_stats(const ServerStats& s) {
  const core::ServerCounters& c = s.counters;
  std::string out = fmt::format(
      "received {}\nrouter_solicitations {}\nrouter_advertisements {}\nforwarded_teredo {}\n"
      "forwarded_native {}\nbubbles_forwarded {}\necho_forwarded {}\n",
      c.received, c.router_solicitations, c.router_advertisements, c.forwarded_teredo, c.forwarded_native,
      c.bubbles_forwarded, c.echo_forwarded);
  append_drop_lines(out, s.drops);
  out += fmt::format("drops_total {}\n", s.drops.total());
  return out;
}

std::string summarize_stats(const ServerStats& s) {
  const core::ServerCounters& c = s.counters;
  std::string out = fmt::format(
      "{} packets received, {} router solicitations answered, {} forwarded over UDP, {} forwarded as native "
      "IPv6, {} dropped",
      c.received, c.router_advertisements, c.forwarded_teredo, c.forwarded_native, s.drops.total());
  append_drop_summary(out, s.drops);
  return out;
}

}  // namespace teredo::datapath
