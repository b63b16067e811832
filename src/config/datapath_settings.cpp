// Data-path directives.
#include "config/datapath_settings.hpp"

#include <array>
#include <optional>
#include <string_view>

namespace teredo::config {

namespace {

constexpr std::array<std::string_view, 8> kBool = {"no", "off", "false", "0", "yes", "on", "true", "1"};

std::optional<bool> get_bool(ConfigFile& config, std::string_view name) {
  if (auto v = config.get_enum(name, kBool)) return *v >= 4;
  return std::nullopt;
}

}  // namespace

void load_worker_count(ConfigFile& config, unsigned& workers) {
  if (auto w = config.get_unsigned_or("Workers", "auto", 0, 1, kMaxWorkers)) workers = *w;  // 0: auto
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
