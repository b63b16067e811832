// SPDX-License-Identifier: GPL-2.0-or-later
// teredod: the Teredo relay (RFC 4380 5.4) and client (5.2), compatible with miredo(8). Its
// supervisor reads the configuration (a relay or a client, config/teredod_settings.hpp) and runs
// the matching worker process (relay.cpp, client.cpp).
#include <variant>

#include "config/defaults.hpp"
#include "config/effective.hpp"
#include "config/teredod_settings.hpp"
#include "daemon/daemon_main.hpp"
#include "daemon/supervisor.hpp"
#include "roles/tunnel_roles.hpp"
#include "roles/upnp_mapping.hpp"

namespace {

using namespace teredo;  // NOLINT(google-build-using-namespace): main's file

int run_teredod(const daemon::CommandLine& options) {
  using os::Capability;
  static const daemon::DaemonRole<config::TeredodSettings> role{
      {config::kTeredodProgram,
       config::kDefaultTeredodConfig,
       config::kDefaultTeredodPidfile,
       config::kDefaultTeredodUser,
       config::kDefaultTeredodChroot,
       // TUN and rtnetlink (NET_ADMIN), the raw ICMPv6 socket (NET_RAW), a BindPort below 1024
       // (NET_BIND_SERVICE), the drop itself (SETUID, SETGID, SYS_CHROOT, SETPCAP for the bounding
       // set), stopping the worker (KILL), the TUN steering program of several workers (BPF).
       {Capability::NetAdmin, Capability::NetRaw, Capability::NetBindService, Capability::SetUid,
        Capability::SetGid, Capability::SysChroot, Capability::SetPcap, Capability::Kill, Capability::Bpf}},
      config::load_teredod_config,
      [](const config::TeredodSettings& s) { return config::describe(s); },
      [](const config::TeredodSettings& s) {
        return std::visit([](const auto& r) { return r.syslog_facility; }, s);
      },
      [](const config::TeredodSettings& s, daemon::WorkerContext& ctx) {
        if (const auto* client = std::get_if<config::ClientSettings>(&s))
          return roles::run_client_worker(*client, ctx);
        return roles::run_relay_worker(std::get<config::RelaySettings>(s), ctx);
      },
      // RFC 6081 5.3: the UPnP port mappings a client worker leaves are deleted once it has ended.
      [](const config::TeredodSettings& s, const os::TargetUser& user, const std::string& chroot) {
        if (const auto* client = std::get_if<config::ClientSettings>(&s))
          roles::release_upnp_mappings(user, chroot, roles::upnp_state_paths(client->interface_name));
      }};
  return daemon::run_supervised(options, role);
}

}  // namespace

int main(int argc, char** argv) {
  return daemon::daemon_main(
      argc, argv,
      daemon::DaemonMain{config::kTeredodProgram, "Teredo (RFC 4380) relay and client for Linux.",
                         "SERVER_NAME, if given, is the Teredo server (client mode; ignored by relays).",
                         daemon::UsageDefaults{config::kDefaultTeredodConfig, config::kDefaultTeredodPidfile,
                                               config::kDefaultTeredodUser},
                         daemon::kVersion, run_teredod});
}
