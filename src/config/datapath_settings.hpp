// SPDX-License-Identifier: GPL-2.0-or-later
// Data-path directives of the relay and client modes (teredod's own, not Miredo's):
//   Offload yes|no     all of the offloads below at once (default yes)
//   TunOffload yes|no  TUN checksum/TSO6/USO6 offload and TCP coalescing on the way in
//   UdpGso yes|no      UDP_SEGMENT sends of equal-size datagram runs
//   UdpGro yes|no      UDP_GRO receives
//   Workers auto|N     data-path workers (1..64; auto: a relay runs one per CPU the process may
//                      use, a client one)
//   Steering yes|no    with several workers, the kernel's BPF programs deliver each packet to
//                      the worker owning its peer (default yes); no: the kernel spreads packets
//                      by flow and the workers hand misdirected ones over
// A finer directive overrides Offload for its offload. Each offload and the steering programs are
// still probed at start and fall back when the kernel refuses them.
#pragma once

#include <string>

#include "config/config_file.hpp"

namespace teredo::config {

inline constexpr unsigned kMaxWorkers = 64;

struct DataPathSettings {
  bool tun = true;
  bool udp_gso = true;
  bool udp_gro = true;
  unsigned workers = 0;  // 0: auto
  bool steering = true;
};

/// Reads Offload, TunOffload, UdpGso, UdpGro, Steering (yes/no, on/off, true/false, 1/0) and
/// Workers (auto or 1..64) into `s`.
void load_data_path_settings(ConfigFile& config, DataPathSettings& s);

/// Reads Workers (auto or 1..64; 0 stands for auto) into `workers`.
void load_worker_count(ConfigFile& config, unsigned& workers);

/// Workers as a reload compares it: "auto" or the number.
std::string worker_count_text(unsigned workers);

/// The workers to run for `workers` where auto (0) means one per CPU this process may use (the
/// relay, the server), at most kMaxWorkers.
unsigned one_per_cpu_if_auto(unsigned workers);

/// A yes/no directive (yes, on, true, 1 / no, off, false, 0); nullopt when absent or invalid
/// (the error is recorded on its line).
std::optional<bool> get_yes_no(ConfigFile& config, std::string_view name);

}  // namespace teredo::config
