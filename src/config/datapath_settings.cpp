// SPDX-License-Identifier: GPL-2.0-or-later
// Data-path directives.
#include "config/datapath_settings.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

#include "os/process.hpp"

namespace teredo::config {

namespace {

constexpr std::array<std::string_view, 8> kBool = {"no", "off", "false", "0", "yes", "on", "true", "1"};

std::optional<bool> get_bool(ConfigFile& config, std::string_view name) {
  if (auto v = config.get_enum(name, kBool)) return *v >= 4;
  return std::nullopt;
}

}  // namespace

std::optional<bool> get_yes_no(ConfigFile& config, std::string_view name) {
  return get_bool(config, name);
}

void load_worker_count(ConfigFile& config, unsigned& workers) {
  if (auto w = config.get_unsigned_or("Workers", "auto", 0, 1, kMaxWorkers)) workers = *w;  // 0: auto
}

std::string worker_count_text(unsigned workers) {
  return workers == 0 ? std::string("auto") : std::to_string(workers);
}

unsigned one_per_cpu_if_auto(unsigned workers) {
  return workers != 0 ? workers : std::min(os::usable_cpus(), kMaxWorkers);
}

void load_data_path_settings(ConfigFile& config, DataPathSettings& s) {
  if (auto all = get_bool(config, "Offload")) s.tun = s.udp_gso = s.udp_gro = *all;
  if (auto v = get_bool(config, "TunOffload")) s.tun = *v;
  if (auto v = get_bool(config, "UdpGso")) s.udp_gso = *v;
  if (auto v = get_bool(config, "UdpGro")) s.udp_gro = *v;
  load_worker_count(config, s.workers);
  if (auto v = get_bool(config, "Steering")) s.steering = *v;
}

}  // namespace teredo::config
