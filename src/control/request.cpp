// SPDX-License-Identifier: GPL-2.0-or-later
// Control request parsing.
#include "control/request.hpp"

#include <charconv>
#include <string>
#include <vector>

#include "os/net_text.hpp"

namespace teredo::control {

std::variant<ControlRequest, std::string> parse_control_request(std::string_view line) {
  const auto words = os::split_words(line);
  if (words.empty()) return std::string("empty request");
  ControlRequest r;
  const std::string_view cmd = words[0];
  if (cmd == "status")
    r.command = ControlRequest::Command::Status;
  else if (cmd == "stats")
    r.command = ControlRequest::Command::Stats;
  else if (cmd == "metrics")
    r.command = ControlRequest::Command::Metrics;
  else if (cmd == "peers")
    r.command = ControlRequest::Command::Peers;
  else
    return "unknown command \"" + std::string(cmd.substr(0, 32)) +
           "\" (expected status, peers, stats or metrics)";
  if (r.command != ControlRequest::Command::Peers) {
    if (words.size() > 1) return std::string(cmd) + " takes no arguments";
    return r;
  }
  r.query.want_peers = true;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const std::string_view w = words[i];
    const bool has_value = i + 1 < words.size();
    if (w == "--reverse") {
      r.query.reverse = true;
    } else if (w == "--filter" && has_value) {
      if (!parse_peer_filter(words[++i], r.query))
        return "invalid filter \"" + std::string(words[i].substr(0, 64)) +
               "\" (expected an IPv6 address or prefix, or an IPv4 address)";
    } else if (w == "--sort" && has_value) {
      auto sort = parse_peer_sort(words[++i]);
      if (!sort)
        return "invalid sort field \"" + std::string(words[i].substr(0, 32)) +
               "\" (expected address, mapped, rx, tx, queued, packets or bytes)";
      r.query.sort = *sort;
    } else if (w == "--limit" && has_value) {
      const std::string_view v = words[++i];
      std::size_t n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc{} || end != v.data() + v.size() || n == 0 || n > kMaxPeerLimit)
        return "invalid --limit value (expected 1 to " + std::to_string(kMaxPeerLimit) + ")";
      r.query.limit = n;
    } else {
      return "unexpected argument \"" + std::string(w.substr(0, 32)) + "\" for peers";
    }
  }
  return r;
}

}  // namespace teredo::control
