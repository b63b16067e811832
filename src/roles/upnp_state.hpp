// SPDX-License-Identifier: GPL-2.0-or-later
// The UPnP state file (RFC 6081 5.3: the mapped port SHOULD persist across restarts):
// /var/lib/teredod/upnp-INTERFACE lists the UDP ports this host may still have mapped on its IGD, so
// that a start after a crash deletes them first and the supervisor deletes them once the worker
// has gone. Text, one port a line, `#` comments:
//   # teredod: UDP ports this host may still have mapped on its UPnP IGD (RFC 6081 5.3)
//   3544
// Written only by root (the worker's set-up, the supervisor). A file that cannot be read or
// parsed is logged, counted and taken as empty: it never stops the daemon.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace teredo::roles {

/// At most this many ports are kept (the service port and one left by an earlier run, usually).
inline constexpr std::size_t kMaxUpnpPorts = 4;
/// A longer file is corrupt.
inline constexpr std::size_t kMaxUpnpStateBytes = 1024;

/// The ports of a state file's text (each 1..65535, duplicates once, in order); nullopt when
/// the text is not one: a line that is not a port, more than kMaxUpnpPorts ports.
std::optional<std::vector<std::uint16_t>> parse_upnp_ports(std::string_view text);
/// The text of a state file listing `ports` (the comment line, then one port a line).
std::string format_upnp_ports(const std::vector<std::uint16_t>& ports);

/// What load_upnp_ports found.
struct UpnpPortsFile {
  std::vector<std::uint16_t> ports;
  bool corrupt = false;  // unreadable or not a state file (logged): taken as empty
};
/// Reads `path` (none: no ports).
UpnpPortsFile load_upnp_ports(const std::string& path);
/// Writes `ports` to `path` in `dir` (created mode 0755 if missing), or removes the file when
/// there are none. False (logged) when it cannot.
bool store_upnp_ports(const std::string& dir, const std::string& path,
                      const std::vector<std::uint16_t>& ports);

}  // namespace teredo::roles
