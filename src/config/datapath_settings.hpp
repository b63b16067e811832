// Offload directives shared by the relay and client modes (teredod's own, not Miredo's):
//   Offload yes|no     all of the below at once (default yes)
//   TunOffload yes|no  TUN checksum/TSO6/USO6 offload and TCP coalescing on the way in
//   UdpGso yes|no      UDP_SEGMENT sends of equal-size datagram runs
//   UdpGro yes|no      UDP_GRO receives
//   Workers auto|N     data-path workers (1..64; auto: a relay runs one per CPU the process may
//                      use, a client one)
// A finer directive overrides Offload for its offload. Each offload is still probed at start
// and falls back when the kernel refuses it.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "config/config_file.hpp"

namespace teredo::config {

struct OffloadSettings {
  bool tun = true;
  bool udp_gso = true;
  bool udp_gro = true;
  unsigned workers = 0;  // 0: auto
};

inline constexpr unsigned kMaxWorkers = 64;

/// Reads Offload, TunOffload, UdpGso and UdpGro (yes/no, on/off, true/false, 1/0) into `s`.
inline void load_offload_settings(ConfigFile& config, OffloadSettings& s) {
  static constexpr std::array<std::string_view, 8> kBool = {"no", "off", "false", "0", "yes", "on", "true", "1"};
  auto get = [&](std::string_view name) -> std::optional<bool> {
    if (auto v = config.get_enum(name, kBool)) return *v >= 4;
    return std::nullopt;
  };
  if (auto all = get("Offload")) s.tun = s.udp_gso = s.udp_gro = *all;
  if (auto v = get("TunOffload")) s.tun = *v;
  if (auto v = get("UdpGso")) s.udp_gso = *v;
  if (auto v = get("UdpGro")) s.udp_gro = *v;
  if (auto w = config.get_unsigned_or("Workers", "auto", 0, 1, kMaxWorkers)) s.workers = *w;  // 0: auto
}

}  // namespace teredo::config
