// SPDX-License-Identifier: GPL-2.0-or-later
// teredod as a client (RelayType client/autoclient; RFC 4380 5.2; miredo-behaviour.md 1.1, 2.4,
// 3, 4): the worker process opens the tunnel interface down and without addresses, watches the
// network, forks the privileged helper that will configure the interface once qualified, then
// runs run_tunnel (tunnel_setup.hpp). Worker 0 qualifies; others follow it. At exit the helper
// brings the interface down and destroys it, then the TUN descriptor closes (the interface goes).
#include <algorithm>

#include "os/net_text.hpp"
#include "os/netlink.hpp"
#include "os/netlink_monitor.hpp"
#include "os/timer_fd.hpp"
#include "roles/busy_messages.hpp"
#include "roles/client_helper.hpp"
#include "roles/tunnel_roles.hpp"
#include "roles/tunnel_setup.hpp"
#include "roles/upnp_mapping.hpp"

namespace teredo::roles {

namespace log = daemon::log;

namespace {

class ClientTunnel {
 public:
  static constexpr const char* what = "client";
  static constexpr bool auth_to_first = true;

  explicit ClientTunnel(const config::ClientSettings& settings)
      : settings_(settings),
        upnp_(settings.upnp, settings.client.symmetric_nat_support ? "UPnP no" : "SymmetricNatSupport no",
              upnp_state_paths(settings.interface_name)) {}

  // Workers auto: one (docs/decisions.md).
  unsigned worker_count(const config::DataPathSettings& d) const { return std::max(1u, d.workers); }

  // The tunnel starts down and without addresses; the helper configures it once qualified.
  os::TunDevice* open_interface(unsigned n) {
    auto tun = os::TunDevice::open(settings_.interface_name, n > 1);
    if (!tun) {
      log::alert("{} tunneling interface creation failure: {}", settings_.interface_name,
                 tun_failure(settings_.interface_name, tun.error()));
      return nullptr;
    }
    tun_.emplace(std::move(*tun));
    auto netlink = os::Netlink::open();
    if (!netlink) {
      log::alert("Cannot open rtnetlink: {}", netlink.error().message());
      return nullptr;
    }
    auto index = netlink->ifindex(tun_->name());
    if (!index) {
      log::alert("Cannot find interface {}: {}", tun_->name(), index.error().message());
      return nullptr;
    }
    ifindex_ = *index;
    // Only fe80::ffff:ffff:ffff and the Teredo address: no kernel-generated link-local.
    if (auto st = netlink->disable_ipv6_address_generation(ifindex_); !st)
      log::warning("Cannot disable IPv6 address generation on {}: {}", tun_->name(), st.error().message());
    return &*tun_;
  }

  // As root, before the control socket exists (the helper never holds it): the network watch and
  // the privileged helper.
  bool before_control(daemon::WorkerContext& ctx) {
    auto debounce = os::TimerFd::open();
    if (!debounce) {
      log::alert("Cannot create timer: {}", debounce.error().message());
      return false;
    }
    auto monitor = os::NetlinkMonitor::open();
    if (!monitor) {
      log::alert("Cannot watch network changes: {}", monitor.error().message());
      return false;
    }
    debounce_.emplace(std::move(*debounce));
    monitor_.emplace(std::move(*monitor));
    HelperSettings hs;
    hs.ifindex = ifindex_;
    hs.hook_script = settings_.hook_script;
    hs.policy = AddressPolicy{settings_.client.prefix, settings_.client.server, settings_.client.server2};
    hs.default_route = take_default_route();
    hs.syslog_facility = settings_.syslog_facility;
    hs.foreground = ctx.options().foreground;
    hs.identity = ctx.user();
    auto helper = ClientHelper::start(hs);
    if (!helper) {
      log::alert("Cannot start the privileged helper: {}", helper.error().message());
      return false;
    }
    helper_.emplace(std::move(*helper));
    return true;
  }

  void after_privilege_drop() {}

  // RFC 4380 5.5: a host with IPv6 connectivity by other means does not route everything through
  // Teredo. "Other means": at start, the kernel's route toward the global unicast range (2000::/3)
  // has a global source address outside the Teredo prefix.
  bool take_default_route() const {
    if (settings_.hook_script) return true;  // the hook decides
    if (settings_.default_route != config::DefaultRoute::Auto)
      return settings_.default_route == config::DefaultRoute::Yes;
    const proto::Ipv6Addr probe{{0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};  // 2000::1
    auto source = os::ipv6_source_toward(probe);
    if (!source || !proto::is_global_scope(*source) || proto::prefix32(*source) == settings_.client.prefix)
      return true;
    log::notice(
        "This host has native IPv6 (source {} toward the global unicast range): the Teredo client serves "
        "{}/32 "
        "only and leaves the default route alone (RFC 4380 5.5; DefaultRoute yes overrides)",
        os::to_string(*source), os::prefix32_to_string(settings_.client.prefix));
    return false;
  }

  // Every worker shares the state board; worker 0 qualifies with the network watch and the helper.
  datapath::ClientParts client_parts(unsigned index) {
    datapath::ClientParts parts;
    parts.board = &board_;
    if (index == 0)
      parts.qualifier.emplace(datapath::ClientParts::Qualifier{
          ifindex_, std::move(*monitor_), std::move(*debounce_), *helper_, std::move(discovery_)});
    return parts;
  }

  void set_discovery(std::optional<os::UdpSocket> socket) { discovery_ = std::move(socket); }

  // RFC 6081 3.2 (upnp_mapping.hpp): the UPnP child runs from the moment the service socket is
  // bound (`local`: its address toward the server) until just before the privilege drop.
  void start_upnp(proto::Endpoint local, daemon::WorkerContext& ctx) {
    upnp_.begin(local, ctx.user(), ctx.chroot_dir());
  }
  proto::Endpoint finish_upnp() { return upnp_.finish(); }

  void log_started(proto::Endpoint bound, unsigned n, const std::string& user) const {
    const core::ClientConfig& c = settings_.client;
    log::notice(
        "Teredo client started: server {} ({}, {}), interface {}, UDP {}, {}, max peers {}, {} worker{}, "
        "user {}",
        settings_.server_name, os::to_string(c.server), os::to_string(c.server2), tun_->name(),
        os::to_string(bound),
        settings_.hook_script ? "hook " + *settings_.hook_script : "netlink configuration", c.max_peers, n,
        n == 1 ? "" : "s", user);
    log::status(
        fmt::format("qualifying with server {} ({})", settings_.server_name, os::to_string(c.server)));
  }

  void before_exit() { helper_->finish(); }  // down + destroy while the interface still exists

 private:
  const config::ClientSettings& settings_;
  std::optional<os::TunDevice> tun_;
  int ifindex_ = 0;
  std::optional<os::TimerFd> debounce_;
  std::optional<os::NetlinkMonitor> monitor_;
  std::optional<ClientHelper> helper_;
  std::optional<os::UdpSocket> discovery_;
  ClientUpnp upnp_;
  datapath::StateBoard board_;
};

}  // namespace

int run_client_worker(const config::ClientSettings& settings, daemon::WorkerContext& ctx) {
  ClientTunnel role(settings);
  return run_tunnel<core::Client>(role, settings.client, settings, ctx);
}

}  // namespace teredo::roles
