// A role's effective settings (daemon/effective_settings.hpp): every directive that changes what
// the worker does must appear here, or a reload would not apply it.
#pragma once

#include <string>

#include "config/control_settings.hpp"
#include "config/datapath_settings.hpp"
#include "daemon/effective_settings.hpp"

namespace teredo::config {

using daemon::EffectiveSettings;

/// ControlSocket, ControlGroup, MetricsListen.
inline void append_control_settings(EffectiveSettings& out, const ControlSettings& c) {
  out.push_back({"ControlSocket", c.socket_path.empty() ? std::string("none") : c.socket_path});
  out.push_back({"ControlGroup", c.group.value_or("")});
  out.push_back({"MetricsListen", c.metrics_listen.value_or("")});
}

/// TunOffload, UdpGso, UdpGro (Offload is folded into them) and Workers.
inline void append_data_path_settings(EffectiveSettings& out, const OffloadSettings& o) {
  auto yes_no = [](bool b) { return std::string(b ? "yes" : "no"); };
  out.push_back({"TunOffload", yes_no(o.tun)});
  out.push_back({"UdpGso", yes_no(o.udp_gso)});
  out.push_back({"UdpGro", yes_no(o.udp_gro)});
  out.push_back({"Workers", o.workers == 0 ? std::string("auto") : std::to_string(o.workers)});
}

}  // namespace teredo::config
