// SPDX-License-Identifier: GPL-2.0-or-later
// The JSON documents of status, peers and stats, and the request dispatch.
#include "control/json.hpp"

#include <chrono>
#include <vector>

#include "control/metrics.hpp"
#include "daemon/version.hpp"
#include "os/net_text.hpp"
#include "proto/teredo_address.hpp"

namespace teredo::control {

namespace {

using json = nlohmann::ordered_json;

json optional_number(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}

std::string hex16(std::uint16_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s = "0x0000";
  for (int i = 0; i < 4; ++i) s[static_cast<std::size_t>(5 - i)] = kDigits[(v >> (4 * i)) & 0xF];
  return s;
}

// nat.upnp: the mapping the core holds ("IPv4:port"), "none" when the UPnP step found none, "off".
std::string upnp_text(const ClientStatus& c) {
  if (c.upnp_mapping.port != 0) return os::to_string(c.upnp_mapping);
  return c.upnp && c.upnp->enabled ? "none" : "off";
}

json common(const ControlSnapshot& s, const char* command) {
  return json{{"ok", true}, {"schema", kControlSchema}, {"command", command}, {"role", s.role}};
}

}  // namespace

json peer_json(const PeerInfo& p) {
  return json{{"address", os::to_string(p.addr)},
              {"type", p.teredo ? "teredo" : "native"},
              {"mapped_address", os::to_string(p.mapped.addr)},
              {"mapped_port", p.mapped.port},
              {"trusted", p.trusted},
              {"observed_mapping", p.observed_mapping},
              {"rfc6081", p.rfc6081},
              {"local", p.local},
              {"worker", p.worker},
              {"random_port", p.random_port != 0 ? json(p.random_port) : json(nullptr)},
              {"advertised_port", p.advertised_port != 0 ? json(p.advertised_port) : json(nullptr)},
              {"peer_random_port", p.peer_random_port != 0 ? json(p.peer_random_port) : json(nullptr)},
              {"last_receive_age_seconds", optional_number(p.last_rx_age)},
              {"last_send_age_seconds", p.last_tx_age},
              {"queued_packets", p.queued_packets},
              {"packets_in", p.packets_in},
              {"packets_out", p.packets_out},
              {"bytes_in", p.bytes_in},
              {"bytes_out", p.bytes_out}};
}

json status_json(const ControlSnapshot& s) {
  json j = common(s, "status");
  j["version"] = daemon::kVersion;
  j["revision"] = daemon::revision();
  j["uptime_seconds"] = s.uptime;
  j["start_time_seconds"] = s.start_time;
  j["mtu"] = s.mtu ? json(*s.mtu) : json(nullptr);
  j["offloads"] = s.offloads;
  if (s.peer_count) j["peers"] = *s.peer_count;
  if (s.max_peers != 0) j["max_peers"] = s.max_peers;
  if (s.client || s.prefix) j["queued_packets"] = s.queued_packets;
  if (s.prefix) j["prefix"] = os::prefix32_to_string(*s.prefix);
  j["workers"] = s.workers;
  if (s.worker_peers.size() > 1) j["worker_peers"] = s.worker_peers;
  if (s.client) {
    const ClientStatus& c = *s.client;
    j["state"] = client_state_name(c.state);
    j["state_age_seconds"] = optional_number(c.state_age);
    if (c.qualification) {
      const core::Qualification& q = *c.qualification;
      const proto::TeredoAddress t = proto::parse_teredo_address(q.address);
      j["teredo_address"] = os::to_string(q.address);
      j["address_server"] = os::to_string(t.server);
      j["mapped_address"] = os::to_string(t.mapped.addr);
      j["mapped_port"] = t.mapped.port;
      j["flags"] = hex16(t.flags);
      j["cone"] = (t.flags & proto::kFlagCone) != 0;
      j["prefix"] = os::prefix32_to_string(q.prefix);
    } else {
      j["teredo_address"] = nullptr;
    }
    j["server"] = os::to_string(c.current_server);
    j["server_primary"] = os::to_string(c.server);
    j["server_secondary"] = os::to_string(c.server_secondary);
    j["using_secondary"] = c.current_server != c.server;
    j["symmetric_nat"] = c.symmetric_nat;
    j["nat"] = json{{"type", !c.nat_type_known ? "unknown"
                             : c.symmetric_nat ? "symmetric"
                                               : "cone"},
                    {"symmetric_nat_support", c.symmetric_nat_support},
                    {"hairpinning", c.hairpinning},
                    {"port_preserving", c.nat_type_known ? json(c.port_preserving) : json(nullptr)},
                    {"port_preserving_nat", c.port_preserving_nat},
                    {"sequential_nat", c.sequential_nat},
                    {"random_ports", c.random_ports},
                    {"local", c.local.port != 0 ? json(os::to_string(c.local)) : json(nullptr)},
                    {"local_discovery", c.local_discovery},
                    {"local_peers", c.local_peers},
                    {"upnp", upnp_text(c)},
                    {"upnp_detail", c.upnp ? json(c.upnp->detail) : json(nullptr)}};
    j["authentication"] = c.client_id ? json{{"client_id", *c.client_id},
                                             {"algorithm", "HMAC-SHA1"},
                                             {"key_renewal_requested", c.key_renewal_requested}}
                                      : json(nullptr);
    j["last_refresh_age_seconds"] = optional_number(c.last_refresh_age);
    j["next_refresh_in_seconds"] = optional_number(c.next_refresh_in);
    if (c.native_relay)
      j["native_relay"] = json{{"address", os::to_string(c.native_relay->addr)},
                               {"relay", os::to_string(c.native_relay->mapped)},
                               {"last_receive_age_seconds", optional_number(c.native_relay->last_rx_age)}};
    else
      j["native_relay"] = nullptr;
  }
  if (s.server) {
    const ServerStatus& sv = *s.server;
    j["server_primary"] = os::to_string(sv.primary);
    j["server_secondary"] = os::to_string(sv.secondary);
    j["prefix"] = os::prefix32_to_string(sv.prefix);
    j["mtu"] = sv.mtu;
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

std::string peers_reply(const ControlSnapshot& s) {
  // peers_json's document, written peer by peer: no tree of every peer is ever built.
  json head = common(s, "peers");
  head["count"] = s.peers.size();
  head["total"] = s.peer_count.value_or(0);
  std::string out = head.dump(-1, ' ', false, json::error_handler_t::replace);
  out.pop_back();  // the closing brace
  out += ",\"peers\":[";
  for (std::size_t i = 0; i < s.peers.size(); ++i) {
    if (i != 0) out += ',';
    out += peer_json(s.peers[i]).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  out += "]}\n";
  return out;
}

json stats_json(const ControlSnapshot& s) {
  json j = common(s, "stats");
  j["uptime_seconds"] = s.uptime;
  json counters = json::object();
  for (const CounterValue& c : s.counters) counters[std::string(c.info->name)] = c.value;
  j["counters"] = std::move(counters);
  json drops = json::object();
  for (std::size_t i = 0; i < proto::kDropCount; ++i)
    drops[std::string(proto::kDropNames[i])] = s.drops.count[i];
  j["drops"] = std::move(drops);
  j["drops_total"] = s.drops.total();
  if (s.peer_count) {
    j["peers"] = *s.peer_count;
    j["queued_packets"] = s.queued_packets;
    j["peer_slots"] = s.peer_slots;
    j["peer_table_bytes"] = s.peer_table_bytes;
    j["longest_peer_walk_slice_seconds"] = std::chrono::duration<double>(s.longest_walk_slice).count();
    j["longest_peer_walk_slice_cpu_seconds"] =
        std::chrono::duration<double>(s.longest_walk_slice_cpu).count();
  }
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
    case ControlRequest::Command::Status:
      j = status_json(*s);
      break;
    case ControlRequest::Command::Peers:
      return peers_reply(*s);
    case ControlRequest::Command::Stats:
      j = stats_json(*s);
      break;
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
