// SPDX-License-Identifier: GPL-2.0-or-later
// teredod as a relay (RelayType relay/cone, restricted; RFC 4380 5.4; miredo-behaviour.md 1.1,
// 2.4, 6): the worker process opens the tunnel interface with its address and the Prefix/32
// route, then runs run_tunnel (tunnel_setup.hpp): sockets, steering, secret, control socket,
// privilege drop, one worker per CPU (Workers auto), seccomp, the data path.
#include "roles/tunnel_roles.hpp"

#include "config/datapath_settings.hpp"
#include "os/net_text.hpp"
#include "roles/relay_interface.hpp"
#include "roles/tunnel_setup.hpp"

namespace teredo::roles {

namespace log = daemon::log;

namespace {

class RelayTunnel {
 public:
  static constexpr const char* what = "relay";
  static constexpr bool auth_to_first = false;

  explicit RelayTunnel(const config::RelaySettings& settings) : settings_(settings) {}

  // Workers auto: one per CPU this process may run on.
  unsigned worker_count(const config::DataPathSettings& d) const {
    return config::one_per_cpu_if_auto(d.workers);
  }

  os::TunDevice* open_interface(unsigned n) {
    auto iface =
        RelayInterface::create(settings_.interface_name, settings_.relay.mtu, settings_.relay.prefix, n > 1);
    if (!iface) return nullptr;
    iface_.emplace(std::move(*iface));
    return &iface_->tun();
  }

  bool before_control(daemon::WorkerContext&) { return true; }

  // Without CAP_NET_ADMIN the explicit netlink removal would fail: closing the TUN descriptors at
  // exit deletes the interface with its address and route.
  void after_privilege_drop() { iface_->skip_explicit_cleanup(); }

  datapath::ClientParts client_parts(unsigned) { return {}; }

  void log_started(proto::Endpoint bound, unsigned n, const std::string& user) {
    log::notice(
        "Teredo relay started: mode {}, interface {} (MTU {}), prefix {}, UDP {}, max peers {}, {} worker{}, "
        "user {}",
        config::role_name(settings_.role), iface_->tun().name(), settings_.relay.mtu,
        os::prefix32_to_string(settings_.relay.prefix), os::to_string(bound), settings_.relay.max_peers, n,
        n == 1 ? "" : "s", user);
    log::status(fmt::format("relay for {} on {}, UDP {}", os::prefix32_to_string(settings_.relay.prefix),
                            iface_->tun().name(), os::to_string(bound)));
  }

  void before_exit() { log::notice("Teredo pseudo-tunnel stopped"); }

 private:
  const config::RelaySettings& settings_;
  std::optional<RelayInterface> iface_;
};

}  // namespace

int run_relay_worker(const config::RelaySettings& settings, daemon::WorkerContext& ctx) {
  RelayTunnel role(settings);
  return run_tunnel<core::Relay>(role, settings.relay, settings, ctx);
}

}  // namespace teredo::roles
