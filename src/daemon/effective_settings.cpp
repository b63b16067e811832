// SPDX-License-Identifier: GPL-2.0-or-later
// What a reload changes.
#include "daemon/effective_settings.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace teredo::daemon {

std::string describe_changes(const EffectiveSettings& before, const EffectiveSettings& after) {
  std::map<std::string, std::pair<std::string, std::string>> all;
  for (const auto& s : before) all[s.name].first = s.value;
  for (const auto& s : after) all[s.name].second = s.value;
  std::vector<std::string> order;  // the order of `after`, then names only in `before`
  for (const auto& s : after) order.push_back(s.name);
  for (const auto& s : before)
    if (std::find(order.begin(), order.end(), s.name) == order.end()) order.push_back(s.name);
  std::string out;
  for (const auto& name : order) {
    const auto& [old_value, new_value] = all[name];
    if (old_value == new_value) continue;
    if (!out.empty()) out += ", ";
    out += name + " " + (old_value.empty() ? "(unset)" : old_value) + " -> " +
           (new_value.empty() ? "(unset)" : new_value);
  }
  return out;
}

}  // namespace teredo::daemon
