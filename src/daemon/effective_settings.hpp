// SPDX-License-Identifier: GPL-2.0-or-later
// Effective settings: a role's configuration as name/value pairs with defaults applied, compared
// on SIGHUP to tell an unchanged file from a changed one (supervisor.hpp). Each role lists its own
// (config/effective.hpp).
#pragma once

#include <string>
#include <vector>

namespace teredo::daemon {

/// One effective setting ("BindPort", "3545"), as the worker will use it (defaults applied,
/// names resolved): what a reload compares.
struct EffectiveSetting {
  std::string name;
  std::string value;
};
using EffectiveSettings = std::vector<EffectiveSetting>;

/// "BindPort 3545 -> 3600, MaxPeers 1024 -> 2048" for the settings that differ (added or
/// removed settings are shown with "(unset)"); empty when the two are the same.
std::string describe_changes(const EffectiveSettings& before, const EffectiveSettings& after);

}  // namespace teredo::daemon
