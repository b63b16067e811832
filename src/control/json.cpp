// Control protocol: request parsing and the JSON documents of status, peers and stats.
#include "control/json.hpp"

#include <charconv>
#include <vector>

#include "control/metrics.hpp"
#include "os/net_text.hpp"
#include "proto/teredo_address.hpp"

namespace teredo::control {

namespace {

using json = nlohmann::ordered_json;

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

json optional_number(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

std::string prefix_text(std::uint32_t prefix) {
  proto::Ipv6Addr a;
  a.bytes[0] = static_cast<std::uint8_t>(prefix >> 24);
  a.bytes[1] = static_cast<std::uint8_t>(prefix >> 16);
  a.bytes[2] = static_cast<std::uint8_t>(prefix >> 8);
  a.bytes[3] = static_cast<std::uint8_t>(prefix);
  return os::to_string(a) + "/32";
}

std::string hex16(std::uint16_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s = "0x0000";
  for (int i = 0; i < 4; ++i) s[static_cast<std::size_t>(5 - i)] = kDigits[(v >> (4 * i)) & 0xF];
  return s;
}

json common(const ControlSnapshot& s, const char* command) {
  return json{{"ok", true}, {"schema", kControlSchema}, {"command", command}, {"role", s.role}};
}

}  // namespace

std::variant<ControlRequest, std::string> parse_control_request(std::string_view line) {
  const auto words = split(line);
  if (words.empty()) return std::string("empty request");
  ControlRequest r;
  const std::string_view cmd = words[0];
  if (cmd == "status") r.command = ControlRequest::Command::Status;
  else if (cmd == "stats") r.command = ControlRequest::Command::Stats;
  else if (cmd == "metrics") r.command = ControlRequest::Command::Metrics;
  else if (cmd == "peers") r.command = ControlRequest::Command::Peers;
  else return "unknown command \"" + std::string(cmd.substr(0, 32)) + "\" (expected status, peers, stats or metrics)";
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
      if (ec != std::errc{} || end != v.data() + v.size()) return std::string("invalid --limit value");
      r.query.limit = n;
    } else {
      return "unexpected argument \"" + std::string(w.substr(0, 32)) + "\" for peers";
    }
  }
  return r;
}

json peer_json(const PeerInfo& p) {
  return json{{"address", os::to_string(p.addr)},
              {"type", p.teredo ? "teredo" : "native"},
              {"mapped_address", os::to_string(p.mapped.addr)},
              {"mapped_port", p.mapped.port},
              {"trusted", p.trusted},
              {"last_receive_age_s", optional_number(p.last_rx_age)},
              {"last_send_age_s", p.last_tx_age},
              {"queued_packets", p.queued_packets},
              {"packets_in", p.packets_in},
              {"packets_out", p.packets_out},
              {"bytes_in", p.bytes_in},
              {"bytes_out", p.bytes_out}};
}

json status_json(const ControlSnapshot& s) {
  json j = common(s, "status");
  j["uptime_s"] = s.uptime;
  j["started_unix"] = s.started_unix;
  j["mtu"] = s.mtu ? json(*s.mtu) : json(nullptr);
  j["offloads"] = s.offloads;
  if (s.peer_count) j["peers"] = *s.peer_count;
  if (s.max_peers != 0) j["max_peers"] = s.max_peers;
  if (s.client || s.prefix) j["queued_packets"] = s.queued_packets;
  if (s.prefix) j["prefix"] = prefix_text(*s.prefix);
  if (!s.worker_peers.empty()) {
    j["workers"] = s.worker_peers.size();
    j["worker_peers"] = s.worker_peers;
  }
  if (s.client) {
    const ClientStatus& c = *s.client;
    j["state"] = client_state_name(c.state);
    j["state_since_age_s"] = optional_number(c.state_since_age);
    if (c.qualification) {
      const core::Qualification& q = *c.qualification;
      const proto::TeredoAddress t = proto::parse_teredo_address(q.address);
      j["teredo_address"] = os::to_string(q.address);
      j["address_server"] = os::to_string(t.server);
      j["mapped_address"] = os::to_string(t.mapped.addr);
      j["mapped_port"] = t.mapped.port;
      j["flags"] = hex16(t.flags);
      j["cone"] = (t.flags & proto::kFlagCone) != 0;
      j["prefix"] = prefix_text(q.prefix);
    } else {
      j["teredo_address"] = nullptr;
    }
    j["server"] = os::to_string(c.current_server);
    j["server_primary"] = os::to_string(c.server);
    j["server_secondary"] = os::to_string(c.server_secondary);
    j["using_secondary"] = c.current_server != c.server;
    j["symmetric_nat"] = c.symmetric_nat;
    j["last_refresh_age_s"] = optional_number(c.last_refresh_age);
    j["next_refresh_in_s"] = optional_number(c.next_refresh_in);
    if (c.native_relay)
      j["native_relay"] = json{{"address", os::to_string(c.native_relay->addr)},
                               {"relay", os::to_string(c.native_relay->mapped)},
                               {"last_receive_age_s", optional_number(c.native_relay->last_rx_age)}};
    else
      j["native_relay"] = nullptr;
  }
  if (s.server) {
    const ServerStatus& sv = *s.server;
    j["server_primary"] = os::to_string(sv.primary);
    j["server_secondary"] = os::to_string(sv.secondary);
    j["prefix"] = prefix_text(sv.prefix);
    j["mtu"] = sv.mtu;
    j["workers"] = sv.workers;
  }
  return j;
}

json peers_json(const ControlSnapshot& s) {
  json j = common(s, "peers");
  json list = json::array();
  for (const PeerInfo& p : s.peers) list.push_back(peer_json(p));
  j["count"] = s.peers.size();
  j["total"] = s.peer_count.value_or(0);
  j["peers"] = std::move(list);
  return j;
}

json stats_json(const ControlSnapshot& s) {
  json j = common(s, "stats");
  j["uptime_s"] = s.uptime;
  json counters = json::object();
  for (const auto& [name, value] : s.counters) counters[std::string(name)] = value;
  j["counters"] = std::move(counters);
  json drops = json::object();
  for (std::size_t i = 0; i < proto::kDropCount; ++i) drops[std::string(proto::kDropNames[i])] = s.drops.count[i];
  j["drops"] = std::move(drops);
  j["drops_total"] = s.drops.total();
  if (s.peer_count) j["peers"] = *s.peer_count;
  if (s.peer_count) j["queued_packets"] = s.queued_packets;
  return j;
}

std::string control_error_reply(std::string_view message) {
  return json{{"ok", false}, {"schema", kControlSchema}, {"error", std::string(message)}}.dump() + "\n";
}

std::string handle_control_request(std::string_view line, const SnapshotProvider& provider) {
  auto parsed = parse_control_request(line);
  if (auto* err = std::get_if<std::string>(&parsed)) return control_error_reply(*err);
  const ControlRequest& r = std::get<ControlRequest>(parsed);
  std::optional<ControlSnapshot> s = provider(r.query);
  if (!s) return control_error_reply("the data path did not answer in time");
  json j;
  switch (r.command) {
    case ControlRequest::Command::Status: j = status_json(*s); break;
    case ControlRequest::Command::Peers: j = peers_json(*s); break;
    case ControlRequest::Command::Stats: j = stats_json(*s); break;
    case ControlRequest::Command::Metrics:
      j = common(*s, "metrics");
      j["content_type"] = "text/plain; version=0.0.4";
      j["text"] = metrics_text(*s);
      break;
  }
  // Invalid UTF-8 cannot occur (all text is ours), but never throw from the control thread.
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace teredo::control
