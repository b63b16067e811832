// SPDX-License-Identifier: GPL-2.0-or-later
// The UPnP state file (upnp_state.hpp).
#include "roles/upnp_state.hpp"

#include <algorithm>

#include "daemon/log.hpp"
#include "os/state_file.hpp"

namespace teredo::roles {

namespace log = daemon::log;

namespace {

constexpr std::string_view kComment =
    "# teredod: UDP ports this host may still have mapped on its UPnP IGD (RFC 6081 5.3)\n";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::optional<std::uint16_t> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v == 0 || v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

}  // namespace

std::optional<std::vector<std::uint16_t>> parse_upnp_ports(std::string_view text) {
  std::vector<std::uint16_t> ports;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    const auto port = parse_port(line);
    if (!port) return std::nullopt;
    if (std::find(ports.begin(), ports.end(), *port) != ports.end()) continue;
    if (ports.size() == kMaxUpnpPorts) return std::nullopt;
    ports.push_back(*port);
  }
  return ports;
}

std::string format_upnp_ports(const std::vector<std::uint16_t>& ports) {
  std::string text(kComment);
  for (std::uint16_t p : ports) text += std::to_string(p) + "\n";
  return text;
}

UpnpPortsFile load_upnp_ports(const std::string& path) {
  UpnpPortsFile out;
  auto text = os::read_state_file(path, kMaxUpnpStateBytes);
  if (!text) {
    log::warning("UPnP state file {} unreadable ({}): taken as empty", path, text.error().message());
    out.corrupt = true;
    return out;
  }
  if (!*text) return out;
  auto ports = parse_upnp_ports(**text);
  if (!ports) {
    log::warning("UPnP state file {} is corrupt (not one port 1..65535 a line, at most {}): taken as empty",
                 path, kMaxUpnpPorts);
    out.corrupt = true;
    return out;
  }
  out.ports = std::move(*ports);
  return out;
}

bool store_upnp_ports(const std::string& dir, const std::string& path,
                      const std::vector<std::uint16_t>& ports) {
  if (ports.empty()) {
    if (auto st = os::remove_state_file(path); !st) {
      log::warning("Cannot remove the UPnP state file {}: {}", path, st.error().message());
      return false;
    }
    return true;
  }
  if (auto st = os::prepare_state_dir(dir); !st) {
    log::warning("Cannot use the state directory {}: {} (it must be root's, mode 0755)", dir,
                 st.error().message());
    return false;
  }
  std::vector<std::uint16_t> kept = ports;
  if (kept.size() > kMaxUpnpPorts) kept.erase(kept.begin(), kept.end() - kMaxUpnpPorts);  // the newest
  if (auto st = os::write_state_file(path, format_upnp_ports(kept)); !st) {
    log::warning("Cannot write the UPnP state file {}: {}", path, st.error().message());
    return false;
  }
  return true;
}

}  // namespace teredo::roles
