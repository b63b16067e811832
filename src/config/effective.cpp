// SPDX-License-Identifier: GPL-2.0-or-later
// Effective settings of the relay, the client and the server.
#include "config/effective.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <variant>

#include "os/net_text.hpp"
#include "os/random.hpp"
#include "os/system_log.hpp"

namespace teredo::config {

namespace {

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

std::string served_text(const core::RelayConfig& r) {
  if (r.served_count == 0) return "all";
  std::string out;
  for (std::size_t i = 0; i < r.served_count; ++i) {
    if (!out.empty()) out += ' ';
    out += os::to_string(r.served[i].addr) + "/" + std::to_string(r.served[i].length);
  }
  return out;
}

// Keys as a reload sees them: how many, the identifiers, and a fingerprint of the secrets (FNV-1a
// 64 salted with a random value drawn once per process, so that a log of it cannot be used to
// guess a secret). Empty without keys.
std::uint64_t fingerprint_salt() {
  static const std::uint64_t salt = [] {
    std::array<std::uint8_t, 8> b{};
    (void)os::fill_random(b);
    std::uint64_t v = 0;
    for (std::uint8_t x : b) v = v << 8 | x;
    return v;
  }();
  return salt;
}

std::string keys_text(const std::vector<core::ClientKey>& keys) {
  if (keys.empty()) return "";
  std::uint64_t h = 0xcbf29ce484222325ull ^ fingerprint_salt();
  auto mix = [&h](std::uint8_t b) { h = (h ^ b) * 0x100000001b3ull; };
  std::string ids;
  for (const core::ClientKey& k : keys) {
    for (char c : k.id) mix(static_cast<std::uint8_t>(c));
    mix(0);
    for (std::uint8_t c : k.secret) mix(c);
    mix(k.retiring ? 1 : 2);
    if (!ids.empty()) ids += ' ';
    ids += k.id + (k.retiring ? "(retiring)" : "");
  }
  return std::to_string(keys.size()) + " (" + ids + "; fingerprint " + fmt::format("{:016x}", h) + ")";
}

}  // namespace

void append_control_settings(EffectiveSettings& out, const ControlSettings& c) {
  out.push_back({"ControlSocket", c.socket_path.empty() ? std::string("none") : c.socket_path});
  out.push_back({"ControlGroup", c.group.value_or("")});
  out.push_back({"MetricsListen", c.metrics_listen.value_or("")});
  std::string auth;
  if (c.metrics_credentials) {
    // The same salted fingerprint as the keys': a reload notices a new password, a log does not show it.
    std::uint64_t h = 0xcbf29ce484222325ull ^ fingerprint_salt();
    for (const char ch : *c.metrics_credentials) h = (h ^ static_cast<std::uint8_t>(ch)) * 0x100000001b3ull;
    auth = c.metrics_auth_file + " (fingerprint " + fmt::format("{:016x}", h) + ")";
  }
  out.push_back({"MetricsAuthFile", auth});
}

void append_data_path_settings(EffectiveSettings& out, const DataPathSettings& d) {
  out.push_back({"TunOffload", yes_no(d.tun)});
  out.push_back({"UdpGso", yes_no(d.udp_gso)});
  out.push_back({"UdpGro", yes_no(d.udp_gro)});
  out.push_back({"Workers", worker_count_text(d.workers)});
  out.push_back({"Steering", yes_no(d.steering)});
}

std::string facility_text(int facility) {
  const auto names = os::syslog_facility_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (os::syslog_facility_value(i) == facility) return std::string(names[i]);
  return std::to_string(facility);
}

EffectiveSettings describe(const RelaySettings& s) {
  EffectiveSettings e{{"RelayType", role_name(s.role)},
                      {"InterfaceName", s.interface_name},
                      {"InterfaceMTU", std::to_string(s.relay.mtu)},
                      {"Prefix", os::prefix32_to_string(s.relay.prefix)},
                      {"BindAddress", os::to_string(s.bind.addr)},
                      {"BindPort", std::to_string(s.bind.port)},
                      {"MaxPeers", std::to_string(s.relay.max_peers)},
                      {"ServedPrefixes", served_text(s.relay)},
                      {"SyslogFacility", facility_text(s.syslog_facility)}};
  append_data_path_settings(e, s.data_path);
  append_control_settings(e, s.control);
  return e;
}

EffectiveSettings describe(const ClientSettings& s) {
  EffectiveSettings e{
      {"RelayType", "client"},
      {"ServerAddress", s.server_name + " (" + os::to_string(s.client.server) + ")"},
      {"ServerAddress2", os::to_string(s.client.server2)},
      {"Prefix", os::prefix32_to_string(s.client.prefix)},
      {"InterfaceName", s.interface_name},
      {"BindAddress", os::to_string(s.bind.addr)},
      {"BindPort", std::to_string(s.bind.port)},
      {"MaxPeers", std::to_string(s.client.max_peers)},
      {"HookScript", s.hook_script.value_or("")},
      {"DefaultRoute", std::string(kDefaultRouteNames[static_cast<std::size_t>(s.default_route)])},
      {"RefreshInterval", std::to_string(s.client.refresh_interval.count())},
      {"SymmetricNatSupport", yes_no(s.client.symmetric_nat_support)},
      {"Hairpinning", yes_no(s.client.hairpinning)},
      {"ServerLoadReduction", yes_no(s.client.server_load_reduction)},
      {"PortPreservingNat", yes_no(s.client.port_preserving)},
      {"SequentialNat", yes_no(s.client.sequential)},
      {"LocalDiscovery", yes_no(s.client.local_discovery)},
      {"UPnP", yes_no(s.upnp)},
      {"ClientIdentifier", s.client.key ? s.client.key->id : ""},
      {"ClientSecret", s.client.key ? keys_text({*s.client.key}) : ""},
      {"SyslogFacility", facility_text(s.syslog_facility)}};
  append_data_path_settings(e, s.data_path);
  append_control_settings(e, s.control);
  return e;
}

EffectiveSettings describe(const TeredodSettings& s) {
  return std::visit([](const auto& role) { return describe(role); }, s);
}

EffectiveSettings describe(const ServerSettings& s) {
  EffectiveSettings e{{"ServerBindAddress", os::to_string(s.server.primary)},
                      {"ServerBindAddress2", os::to_string(s.server.secondary)},
                      {"Prefix", os::prefix32_to_string(s.server.prefix)},
                      {"InterfaceMTU", std::to_string(s.server.mtu)},
                      {"SyslogFacility", facility_text(s.syslog_facility)},
                      {"Workers", worker_count_text(s.workers)},
                      {"ClientKeysFile", s.client_keys_file},
                      {"ClientKeys", keys_text(s.server.keys)},
                      {"RequireAuthentication", yes_no(s.server.require_authentication)},
                      {"DestinationRateLimit", std::to_string(s.server.destination_rate)},
                      {"SourceRateLimit", std::to_string(s.server.source_rate)}};
  append_control_settings(e, s.control);
  return e;
}

}  // namespace teredo::config
