// SPDX-License-Identifier: GPL-2.0-or-later
// The UPnP child and its parent's side (upnp_child.hpp).
#include "roles/upnp_child.hpp"

#include <algorithm>
#include <csignal>
#include <utility>

#include "daemon/log.hpp"
#include "os/process.hpp"
#include "os/seccomp.hpp"
#include "os/upnp_igd.hpp"

namespace teredo::roles {

namespace log = daemon::log;

namespace {

// 714 NoSuchEntryInArray: the IGD holds no such mapping (any more): as good as deleted.
constexpr int kNoSuchEntry = 714;

bool deleted(int code) {
  return code == 0 || code == kNoSuchEntry;
}

int report(const os::Fd& channel, const IgdReport& r) {
  const auto bytes = encode_igd_report(r);
  return os::send_report(channel, bytes) ? 0 : 1;
}

// Discovery, the deletions, the mapping: the part that talks to the IGD.
IgdReport talk_to_gateway(const os::UpnpLibrary& library, const IgdRequest& request) {
  IgdReport r;
  auto found = library.discover(kIgdDiscoveryWait, request.client);
  if (!found.gateway) {
    r.outcome = static_cast<std::uint8_t>(IgdOutcome::NoGateway);
    r.code = found.code;
    return r;
  }
  const os::UpnpGateway& igd = *found.gateway;
  for (std::uint16_t port : request.stale)  // RFC 6081 5.3.3: first uninitialise
    if (deleted(igd.delete_udp_mapping(port))) ++r.stale_deleted;
  if (request.port == 0) {
    r.outcome = static_cast<std::uint8_t>(IgdOutcome::Released);
    return r;
  }
  if (const int code = igd.add_udp_mapping(request.port, request.client, kUpnpDescription); code != 0) {
    r.outcome = static_cast<std::uint8_t>(IgdOutcome::AddRefused);
    r.code = code;
    return r;
  }
  const os::UpnpGateway::External external = igd.external_address();
  if (external.address && proto::is_global_unicast(*external.address)) {
    r.outcome = static_cast<std::uint8_t>(IgdOutcome::Mapped);
    r.port = request.port;
    r.external = external.address->value;
    return r;
  }
  // RFC 6081 5.3.3: without the external address, uninitialise and go on without.
  if (external.address) {
    r.outcome = static_cast<std::uint8_t>(IgdOutcome::NotGlobal);
    r.external = external.address->value;
  } else {
    r.outcome = static_cast<std::uint8_t>(IgdOutcome::NoExternalAddress);
    r.code = external.code != 0 ? external.code : -4;
  }
  if (!deleted(igd.delete_udp_mapping(request.port))) r.port = request.port;
  return r;
}

}  // namespace

int run_igd_child(const os::Fd& channel, const IgdRequest& request, const os::TargetUser& user,
                  const std::string& chroot) {
  // libminiupnpc reports some errors on stderr: the report says what happened.
  if (auto null = os::open_dev_null()) (void)os::redirect_stdio(*null);
  IgdReport r;
  auto library = os::UpnpLibrary::load();  // before the chroot: the library lives outside
  if (!library) {
    r.outcome = static_cast<std::uint8_t>(IgdOutcome::NoLibrary);
    return report(channel, r);
  }
  if (auto st = os::drop_privileges(user, chroot); !st) {
    r.outcome = static_cast<std::uint8_t>(IgdOutcome::SetupFailed);
    r.code = st.error().code.value();
    return report(channel, r);
  }
  os::SeccompOptions confined;
  confined.igd_client = true;
  if (auto st = os::install_seccomp_filter(confined); !st) {
    r.outcome = static_cast<std::uint8_t>(IgdOutcome::SetupFailed);
    r.code = st.error().code.value();
    return report(channel, r);
  }
  return report(channel, talk_to_gateway(*library, request));
}

os::OsResult<IgdChild> IgdChild::start(const IgdRequest& request, const os::TargetUser& user,
                                       const std::string& chroot) {
  auto side = os::fork_child(os::ChannelKind::ReadyPipe,
                             [&](os::Fd channel) { return run_igd_child(channel, request, user, chroot); });
  if (!side) return side.error();
  return IgdChild(side->pid, std::move(side->channel), request);
}

IgdChild::IgdChild(IgdChild&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)), channel_(std::move(o.channel_)), request_(std::move(o.request_)) {}

IgdChild::~IgdChild() {
  kill_and_reap();
}

void IgdChild::kill_and_reap() {
  channel_.reset();
  if (pid_ <= 0) return;
  os::signal_process(pid_, SIGKILL);  // done or too slow: either way it goes now
  (void)os::reap_child(std::exchange(pid_, -1), true);
}

std::optional<IgdReport> IgdChild::finish(std::chrono::steady_clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  std::array<std::uint8_t, sizeof(IgdReport)> buf{};
  auto n = os::read_report(channel_, buf, static_cast<int>(std::max<std::int64_t>(0, left.count())));
  kill_and_reap();
  if (!n) {
    log::warning("UPnP: cannot read the report of the UPnP process: {}", n.error().message());
    return std::nullopt;
  }
  if (*n == 0) {
    if (std::chrono::steady_clock::now() >= deadline)
      log::warning("UPnP: no answer from the IGD in time: the UPnP process was killed");
    else
      log::warning("UPnP: the UPnP process ended without a report");
    return std::nullopt;
  }
  auto r = decode_igd_report(proto::ByteView(buf.data(), *n), request_.port, request_.stale.size());
  if (!r) log::warning("UPnP: the UPnP process sent an invalid report ({} bytes): ignored", *n);
  return r;
}

}  // namespace teredo::roles
