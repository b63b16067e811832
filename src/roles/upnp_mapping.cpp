// SPDX-License-Identifier: GPL-2.0-or-later
// The UPnP port mapping around the client (upnp_mapping.hpp).
#include "roles/upnp_mapping.hpp"

#include <algorithm>

#include "daemon/log.hpp"
#include "os/net_text.hpp"
#include "roles/upnp_state.hpp"

namespace teredo::roles {

namespace log = daemon::log;

namespace {

using Clock = std::chrono::steady_clock;

std::string port_list(const std::vector<std::uint16_t>& ports) {
  std::string s;
  for (std::uint16_t p : ports) s += (s.empty() ? "" : ", ") + std::to_string(p);
  return s;
}

// `ports` plus `port` (when not 0 and not in it yet).
std::vector<std::uint16_t> with(std::vector<std::uint16_t> ports, std::uint16_t port) {
  if (port != 0 && std::find(ports.begin(), ports.end(), port) == ports.end()) ports.push_back(port);
  return ports;
}

}  // namespace

UpnpStatePaths upnp_state_paths(const std::string& interface_name) {
  const std::string dir = config::kTeredodStateDir;
  return UpnpStatePaths{dir, dir + "/" + config::kUpnpStatePrefix + interface_name};
}

ClientUpnp::ClientUpnp(bool enabled, std::string off_reason, UpnpStatePaths paths)
    : enabled_(enabled), paths_(std::move(paths)) {
  status_.enabled = enabled;
  status_.detail = enabled ? "not tried" : std::move(off_reason);
}

void ClientUpnp::begin(proto::Endpoint local, const os::TargetUser& user, const std::string& chroot) {
  local_ = local;
  const UpnpPortsFile file = load_upnp_ports(paths_.file);
  if (file.corrupt) ++status_.counters.state_file_errors;
  stale_ = file.ports;
  IgdRequest request;
  request.stale = stale_;
  request.client = local.addr;
  if (enabled_ && local.addr.value == 0) {
    ++status_.counters.failed;
    status_.detail = "no local IPv4 address toward the server";
    log::warning("UPnP: no local IPv4 address toward the server: going on without (RFC 6081 3.2)");
  } else if (enabled_) {
    request.port = local.port;
  }
  if (request.port == 0 && stale_.empty()) {
    if (file.corrupt) (void)store_upnp_ports(paths_.dir, paths_.file, {});  // logged once, then gone
    return;
  }
  // Written ahead: whatever happens to the child from now on, the port is deleted later.
  if (request.port != 0) (void)store_upnp_ports(paths_.dir, paths_.file, with(stale_, request.port));
  started_ = Clock::now();
  auto child = IgdChild::start(request, user, chroot);
  if (!child) {
    log::warning("UPnP: cannot start the UPnP process: {}; going on without", child.error().message());
    if (request.port != 0) {
      ++status_.counters.failed;
      status_.detail = "cannot start the UPnP process";
      (void)store_upnp_ports(paths_.dir, paths_.file, stale_);
    }
    return;
  }
  child_.emplace(std::move(*child));
}

proto::Endpoint ClientUpnp::finish() {
  if (child_) {
    const std::optional<IgdReport> report = child_->finish(started_ + kIgdDeadline);
    child_.reset();
    conclude(report, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_));
  }
  control::publish_upnp_status(status_);
  return status_.mapping;
}

void ClientUpnp::conclude(const std::optional<IgdReport>& report, std::chrono::milliseconds took) {
  const bool mapping = enabled_ && local_.addr.value != 0;  // the child was asked to map the port
  const std::string ms = std::to_string(took.count()) + " ms";
  if (!report) {
    // Unknown: the port and the earlier ones stay listed, for the supervisor to delete.
    if (mapping) {
      ++status_.counters.failed;
      status_.detail = "no valid answer from the IGD within " + std::to_string(kIgdDeadline.count()) + " ms";
    }
    log::warning("UPnP: going on without; UDP {} stay in {} to be deleted later",
                 port_list(with(stale_, mapping ? local_.port : 0)), paths_.file);
    return;
  }
  status_.counters.stale_deleted += report->stale_deleted;
  if (!stale_.empty())
    log::info("UPnP: mappings an earlier run left (UDP {}): {} deleted", port_list(stale_),
              report->stale_deleted);
  const std::string what = describe_igd_report(*report);
  switch (static_cast<IgdOutcome>(report->outcome)) {
    case IgdOutcome::Mapped:
      ++status_.counters.mapped;
      status_.mapping = proto::Endpoint{proto::Ipv4Addr{report->external}, report->port};
      status_.detail = "mapped in " + ms;
      log::notice("UPnP: the IGD maps {} to {} (RFC 6081 3.2; {})", os::to_string(status_.mapping),
                  os::to_string(local_), ms);
      break;
    case IgdOutcome::Released:
      break;
    case IgdOutcome::NoGateway:
      ++status_.counters.no_gateway;
      status_.detail = what + " within " + std::to_string(kIgdDiscoveryWait.count()) + " ms";
      log::notice("UPnP: {} within {} ms; going on without", what, kIgdDiscoveryWait.count());
      break;
    case IgdOutcome::AddRefused:
      ++status_.counters.refused;
      status_.detail = what;
      log::warning("UPnP: {} for UDP port {}; going on without", what, local_.port);
      break;
    case IgdOutcome::NoExternalAddress:
    case IgdOutcome::NotGlobal:
      ++status_.counters.no_external_address;
      status_.detail = what;
      log::warning("UPnP: {}; going on without", what);
      break;
    case IgdOutcome::NoLibrary:
    case IgdOutcome::SetupFailed:
      ++status_.counters.failed;
      status_.detail = what;
      log::warning("UPnP: {}; going on without", what);
      break;
  }
  std::vector<std::uint16_t> keep;
  if (report->port != 0) keep.push_back(report->port);
  (void)store_upnp_ports(paths_.dir, paths_.file, keep);
}

void release_upnp_mappings(const os::TargetUser& user, const std::string& chroot,
                           const UpnpStatePaths& paths) {
  const UpnpPortsFile file = load_upnp_ports(paths.file);
  if (file.corrupt) {
    (void)store_upnp_ports(paths.dir, paths.file, {});
    return;
  }
  if (file.ports.empty()) return;
  IgdRequest request;
  request.stale = file.ports;
  const auto started = Clock::now();
  auto child = IgdChild::start(request, user, chroot);
  if (!child) {
    log::warning("UPnP: cannot start the UPnP process to delete the mappings of UDP {}: {}",
                 port_list(file.ports), child.error().message());
    return;
  }
  const std::optional<IgdReport> report = child->finish(started + kIgdDeadline);
  if (!report) {
    log::warning("UPnP: the mappings of UDP {} stay in {} to be deleted at the next start",
                 port_list(file.ports), paths.file);
    return;
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  if (static_cast<IgdOutcome>(report->outcome) == IgdOutcome::Released)
    log::notice("UPnP: the IGD's mappings of UDP {} deleted ({} of {} held; {} ms)", port_list(file.ports),
                report->stale_deleted, file.ports.size(), took.count());
  else
    log::notice("UPnP: the mappings of UDP {} not deleted: {}; forgotten", port_list(file.ports),
                describe_igd_report(*report));
  (void)store_upnp_ports(paths.dir, paths.file, {});
}

}  // namespace teredo::roles
