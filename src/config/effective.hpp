// SPDX-License-Identifier: GPL-2.0-or-later
// Each role's effective settings (daemon/effective_settings.hpp): every directive that changes
// what the worker does appears here, with defaults applied and names resolved, or a reload would
// not apply it.
#pragma once

#include <string>

#include "config/control_settings.hpp"
#include "config/datapath_settings.hpp"
#include "config/server_settings.hpp"
#include "config/teredod_settings.hpp"
#include "daemon/effective_settings.hpp"

namespace teredo::config {

using daemon::EffectiveSettings;

daemon::EffectiveSettings describe(const RelaySettings& s);
daemon::EffectiveSettings describe(const ClientSettings& s);
daemon::EffectiveSettings describe(const TeredodSettings& s);
daemon::EffectiveSettings describe(const ServerSettings& s);

/// ControlSocket, ControlGroup, MetricsListen.
void append_control_settings(EffectiveSettings& out, const ControlSettings& c);
/// TunOffload, UdpGso, UdpGro (Offload is folded into them), Workers and Steering.
void append_data_path_settings(EffectiveSettings& out, const DataPathSettings& d);

/// "daemon", "local0"... for a LOG_* facility value (the number if unknown).
std::string facility_text(int facility);

}  // namespace teredo::config
