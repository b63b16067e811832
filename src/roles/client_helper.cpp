// SPDX-License-Identifier: GPL-2.0-or-later
// The client's privileged helper: request checks, the hook environment, rtnetlink
// configuration of the tunnel (as Debian's client-hook does it), and the serving loop.
#include "roles/client_helper.hpp"

#include <cerrno>
#include <cstring>

#include "config/defaults.hpp"
#include "daemon/log.hpp"
#include "os/helper_process.hpp"
#include "os/hook_runner.hpp"
#include "os/net_text.hpp"
#include "os/netlink.hpp"
#include "os/process.hpp"
#include "os/seccomp.hpp"
#include "os/trusted_path.hpp"
#include "proto/teredo_address.hpp"

namespace teredo::roles {

using namespace daemon;    // NOLINT(google-build-using-namespace): rewritten by the one-worker step
using namespace config;    // NOLINT(google-build-using-namespace)
using namespace control;   // NOLINT(google-build-using-namespace)
using namespace datapath;  // NOLINT(google-build-using-namespace)

namespace log = daemon::log;

namespace {

/// The default route's metric: above the usual 1024, so Teredo is the last resort (as the hook).
constexpr std::uint32_t kDefaultRouteMetric = 1029;
// A hook that has not finished by then is killed (with whatever it started): the next state
// change must not wait behind a hung script.
constexpr std::chrono::milliseconds kHookTimeout{30000};
/// The Teredo address gets prefix length 32, so that the whole Teredo prefix is on-link.
constexpr std::uint8_t kAddressPrefixLength = 32;
constexpr proto::Ipv6Addr kAnyAddress{};

const char* state_word(HookState::Kind k) {
  switch (k) {
    case HookState::Kind::Up:
      return "up";
    case HookState::Kind::Down:
      return "down";
    case HookState::Kind::Destroy:
      return "destroy";
  }
  return "down";
}

bool ignorable(const os::OsError& e, std::initializer_list<int> codes) {
  for (int c : codes)
    if (e.code.value() == c) return true;
  return false;
}

// Configures the tunnel directly through rtnetlink: the same result as Debian's client-hook.
class NetlinkConfigurator {
 public:
  NetlinkConfigurator(os::Netlink netlink, int ifindex, std::string iface, bool default_route)
      : netlink_(std::move(netlink)),
        ifindex_(ifindex),
        iface_(std::move(iface)),
        default_route_(default_route) {}

  void up(const HookState& now, const HookState& old) {
    if (old.kind == HookState::Kind::Up && old.address != now.address) remove_address(old.address);
    check(netlink_.set_mtu(ifindex_, now.mtu), "set MTU");
    check(netlink_.set_link_state(ifindex_, os::LinkState{true, true}), "bring the link up");
    check(netlink_.add_address(ifindex_, proto::kTeredoLinkLocal, 64, true), "add fe80::ffff:ffff:ffff/64");
    check(netlink_.add_address(ifindex_, now.address, kAddressPrefixLength, true), "add the Teredo address");
    if (!default_route_) return;  // native IPv6 here (RFC 4380 5.5): the Teredo prefix only
    auto st = netlink_.add_route(ifindex_, kAnyAddress, 0, kDefaultRouteMetric);
    if (!st && !ignorable(st.error(), {EEXIST})) check(st, "add the default route");
  }

  void down(const HookState& old) {
    if (old.kind == HookState::Kind::Up && default_route_) {
      auto st = netlink_.remove_route(ifindex_, kAnyAddress, 0, kDefaultRouteMetric);
      if (!st && !ignorable(st.error(), {ESRCH, ENOENT, ENODEV})) check(st, "remove the default route");
    }
    if (old.kind == HookState::Kind::Up) {
      remove_address(old.address);
    }
    auto st = netlink_.set_link_state(ifindex_, os::LinkState{false, true});
    if (!st && !ignorable(st.error(), {ENODEV})) check(st, "bring the link down");
  }

  void destroy() {
    auto st = netlink_.remove_address(ifindex_, proto::kTeredoLinkLocal, 64);
    if (!st && !ignorable(st.error(), {EADDRNOTAVAIL, ENODEV})) check(st, "remove fe80::ffff:ffff:ffff/64");
  }

 private:
  void remove_address(const proto::Ipv6Addr& a) {
    auto st = netlink_.remove_address(ifindex_, a, kAddressPrefixLength);
    if (!st && !ignorable(st.error(), {EADDRNOTAVAIL, ENODEV})) check(st, "remove the old Teredo address");
  }
  void check(const os::OsStatus& st, const char* what) {
    if (!st) log::error("{} on {}: {}", what, iface_, st.error().message());
  }

  os::Netlink netlink_;
  int ifindex_;
  std::string iface_;
  bool default_route_;
};

class Helper {
 public:
  Helper(const HelperSettings& settings, std::optional<NetlinkConfigurator> netlink)
      : settings_(settings), netlink_(std::move(netlink)) {}

  void apply(const HookState& next) {
    if (settings_.hook_script) {
      run_hook(next);
    } else if (netlink_) {
      switch (next.kind) {
        case HookState::Kind::Up:
          netlink_->up(next, state_);
          break;
        case HookState::Kind::Down:
          netlink_->down(state_);
          break;
        case HookState::Kind::Destroy:
          netlink_->destroy();
          break;
      }
    }
    state_ = next;
  }

  bool is_up() const { return state_.kind == HookState::Kind::Up; }
  /// True when `s` is the state in place (an up with the same address and MTU, a down after a down).
  bool is(const HookState& s) const {
    return s.kind == state_.kind &&
           (s.kind != HookState::Kind::Up || (s.address == state_.address && s.mtu == state_.mtu));
  }

 private:
  void run_hook(const HookState& next) {
    const std::string& hook = *settings_.hook_script;
    // Checked at start (configuration) and again before each run: a script or directory that
    // became writable by others since is not run as root.
    if (auto problem = os::untrusted_path_problem(hook)) {
      log::error("Hook {} (STATE={}) not run: {}", hook, state_word(next.kind), *problem);
      return;
    }
    const std::string iface = os::interface_name(settings_.ifindex);
    auto outcome =
        os::run_program(hook, hook_environment(next, state_, iface, settings_.ifindex), kHookTimeout);
    if (!outcome) {
      log::error("Cannot run the hook {}: {}", hook, outcome.error().message());
      return;
    }
    if (outcome->timed_out)
      log::error("Hook {} (STATE={}) still running after {} s: killed with its process group", hook,
                 state_word(next.kind),
                 std::chrono::duration_cast<std::chrono::seconds>(kHookTimeout).count());
    else if (outcome->status != 0)
      log::warning("Hook {} (STATE={}) {}", hook, state_word(next.kind),
                   os::describe_wait_status(outcome->status));
  }

  const HelperSettings& settings_;
  std::optional<NetlinkConfigurator> netlink_;
  HookState state_;  // OLD_STATE=down initially
};

void detach_stdio() {
  if (auto null = os::open_dev_null()) (void)os::redirect_stdio(*null);
}

}  // namespace

std::optional<std::string> check_helper_request(const HelperRequest& r, const AddressPolicy& policy) {
  for (std::uint8_t b : r.reserved)
    if (b != 0) return "reserved bytes set";
  proto::Ipv6Addr a;
  std::memcpy(a.bytes.data(), r.address, 16);
  if (r.state == kHelperDown) {
    if (!proto::is_unspecified(a) || r.mtu != 0) return "down request with an address or MTU";
    return std::nullopt;
  }
  if (r.state != kHelperUp) return "unknown state " + std::to_string(r.state);
  if (!proto::is_global_scope(a)) return "address " + os::to_string(a) + " is not a global unicast address";
  if (proto::prefix32(a) != policy.prefix)
    return "address " + os::to_string(a) + " is outside the Teredo prefix " +
           os::prefix32_to_string(policy.prefix);
  const proto::Ipv4Addr named = proto::parse_teredo_address(a).server;
  if (named != policy.server && named != policy.server2)
    return "address " + os::to_string(a) + " names server " + os::to_string(named) + ", not ours";
  if (r.mtu < 1280 || r.mtu > 65535) return "MTU " + std::to_string(r.mtu) + " outside 1280..65535";
  return std::nullopt;
}

std::vector<std::string> hook_environment(const HookState& now, const HookState& old,
                                          const std::string& iface, int ifindex) {
  std::vector<std::string> env;
  env.push_back("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
  env.push_back("IFACE=" + iface);
  env.push_back("IFINDEX=" + std::to_string(ifindex));
  env.push_back(std::string("STATE=") + state_word(now.kind));
  if (now.kind == HookState::Kind::Up) {
    env.push_back("ADDRESS=" + os::to_string(now.address));
    env.push_back("LLADDRESS=" + os::to_string(proto::kTeredoLinkLocal));
    env.push_back("MTU=" + std::to_string(now.mtu));
  }
  env.push_back(std::string("OLD_STATE=") + state_word(old.kind));
  if (old.kind == HookState::Kind::Up) {
    env.push_back("OLD_ADDRESS=" + os::to_string(old.address));
    env.push_back("OLD_LLADDRESS=" + os::to_string(proto::kTeredoLinkLocal));
    env.push_back("OLD_MTU=" + std::to_string(old.mtu));
  }
  return env;
}

os::OsResult<ClientHelper> ClientHelper::start(const HelperSettings& settings) {
  auto p = os::fork_child(os::ChannelKind::SeqPacket, [&settings](os::Fd channel) {
    return run_client_helper(std::move(channel), settings);
  });
  if (!p) return p.error();
  return ClientHelper(p->pid, std::move(p->channel));
}

bool ClientHelper::send(const HelperRequest& r) {
  if (!channel_) return false;
  auto st = os::send_message(channel_, proto::ByteView{reinterpret_cast<const std::uint8_t*>(&r), sizeof r});
  if (st) return true;
  log::error("Cannot reach the privileged helper: {}", st.error().message());
  return false;
}

bool ClientHelper::send_up(const proto::Ipv6Addr& address, std::uint32_t mtu) {
  HelperRequest r;
  r.state = kHelperUp;
  r.mtu = mtu;
  std::memcpy(r.address, address.bytes.data(), 16);
  return send(r);
}

bool ClientHelper::send_down() {
  HelperRequest r;
  r.state = kHelperDown;
  return send(r);
}

void ClientHelper::finish() {
  channel_.reset();
  if (pid_ <= 0) return;
  auto status = os::wait_child(std::exchange(pid_, -1));
  if (!status)
    log::error("Cannot wait for the privileged helper: {}", status.error().message());
  else if (*status != 0)
    log::warning("Privileged helper {}", os::describe_wait_status(*status));
}

int run_client_helper(os::Fd channel, const HelperSettings& settings) {
  // Logging: the syslog descriptor was closed with the others; open it again.
  log::open(config::kTeredodProgram, settings.syslog_facility, settings.foreground);
  if (!settings.foreground) detach_stdio();
  const std::optional<os::TargetUser> become =
      settings.hook_script ? std::nullopt : settings.identity;  // a hook runs as root, as Miredo's
  if (auto st = os::restrict_to_net_admin(become); !st) {
    log::alert("Privileged helper: cannot restrict capabilities: {}", st.error().message());
    return 1;
  }
  std::optional<NetlinkConfigurator> netlink;
  if (!settings.hook_script) {
    auto nl = os::Netlink::open();
    if (!nl) {
      log::alert("Privileged helper: cannot open rtnetlink: {}", nl.error().message());
      return 1;
    }
    const std::string iface = os::interface_name(settings.ifindex);
    netlink.emplace(std::move(*nl), settings.ifindex, iface.empty() ? "?" : iface, settings.default_route);
  }
  Helper helper(settings, std::move(netlink));
  // Without a hook the helper only talks rtnetlink on sockets it already has: confine it to the
  // workers' allow-list. A hook must run arbitrary programs (the filter is inherited through
  // execve): a deny-list then, of what no hook needs (new namespaces, mount, ptrace, BPF...), on
  // top of CAP_NET_ADMIN-only, no_new_privs and a clean environment.
  if (auto st = settings.hook_script ? os::install_hook_filter() : os::install_seccomp_filter(); !st) {
    log::alert("Privileged helper: cannot install the seccomp filter: {}", st.error().message());
    return 1;
  }
  // The helper is a fork of the worker: the worker's heap pages that were free at the fork, and
  // those the helper's own set-up (seccomp) used and freed, would stay resident here as private
  // copies once the worker writes to its own. Hand them back (idle memory, -70 kB).
  os::trim_heap();

  std::uint64_t coalesced = 0;
  // Requests that queued up while the last one was applied (a hook running, say) are coalesced:
  // only the newest valid one is applied, and not at all when it is the state already in place.
  // A worker that floods the channel gets one hook (or one netlink round) at a time, never a
  // fork per request.
  bool open = true;
  while (open) {
    std::optional<HookState> next;
    for (bool wait = true;; wait = false) {
      HelperRequest r;
      auto n = os::receive_message(channel,
                                   proto::MutableBytes{reinterpret_cast<std::uint8_t*>(&r), sizeof r}, wait);
      if (!n && n.error().code.value() == EAGAIN) break;  // nothing more queued
      if (!n || *n == 0) {  // the worker closed the channel (or it failed): shut down
        open = false;
        break;
      }
      if (*n != sizeof r) {
        log::error("Privileged helper: refused a request of {} bytes", *n);
        continue;
      }
      if (auto why = check_helper_request(r, settings.policy)) {
        log::error("Privileged helper: refused a request: {}", *why);
        continue;
      }
      if (next) ++coalesced;
      next = HookState{};
      if (r.state == kHelperUp) {
        next->kind = HookState::Kind::Up;
        std::memcpy(next->address.bytes.data(), r.address, 16);
        next->mtu = r.mtu;
      }
    }
    if (next && !helper.is(*next)) helper.apply(*next);
  }
  if (coalesced != 0) log::info("Privileged helper: {} requests coalesced with a newer one", coalesced);
  // As Miredo: a final down, then destroy.
  helper.apply(HookState{});
  helper.apply(HookState{HookState::Kind::Destroy, {}, 0});
  return 0;
}

}  // namespace teredo::roles
