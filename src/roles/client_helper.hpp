// SPDX-License-Identifier: GPL-2.0-or-later
// The client's privileged helper (miredo-behaviour.md 3, 4; architecture.md 7.2): a process
// forked before the privilege drop that keeps uid 0 with CAP_NET_ADMIN only and configures the
// tunnel interface on the worker's behalf, through rtnetlink or by running the hook script.
// The worker can ask for exactly one thing: "the tunnel is up with address A and MTU M" or
// "the tunnel is down", in a fixed 24-byte request. The helper derives everything else itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "datapath/tunnel_worker.hpp"
#include "os/child.hpp"
#include "os/fd.hpp"
#include "os/helper_process.hpp"
#include "os/os_result.hpp"
#include "proto/ipv4.hpp"
#include "proto/ipv6_address.hpp"
#include "proto/teredo_address.hpp"

namespace teredo::roles {

/// The request on the wire (native byte order: both ends are the same program on one host).
struct HelperRequest {
  std::uint8_t state = 0;         // kHelperDown or kHelperUp
  std::uint8_t reserved[3] = {};  // zero
  std::uint32_t mtu = 0;          // up: 1280..65535; down: 0
  std::uint8_t address[16] = {};  // up: the Teredo address; down: ::
};
static_assert(sizeof(HelperRequest) == 24);

inline constexpr std::uint8_t kHelperDown = 0;
inline constexpr std::uint8_t kHelperUp = 1;

/// The only addresses the helper installs: the configured Teredo prefix, naming one of the
/// configured server addresses (a forged RA or a compromised worker cannot route a foreign /32).
struct AddressPolicy {
  std::uint32_t prefix = proto::kTeredoPrefix;
  proto::Ipv4Addr server;
  proto::Ipv4Addr server2;
};

/// Why the helper refuses `r`, or nullopt if it is acceptable: unknown state, reserved bytes
/// set, an up address that is unspecified, loopback, link-local, site-local or multicast, or
/// outside `policy` (another prefix, or a server field naming neither server), an up MTU outside
/// 1280..65535, or a down request with an address or MTU.
std::optional<std::string> check_helper_request(const HelperRequest& r, const AddressPolicy& policy);

/// The hook's view of the tunnel, for STATE/ADDRESS/MTU and their OLD_ counterparts.
struct HookState {
  enum class Kind { Down, Up, Destroy } kind = Kind::Down;
  proto::Ipv6Addr address;
  std::uint32_t mtu = 0;
};

/// The hook's whole environment, as Miredo's privproc gives it plus PATH: STATE, IFACE,
/// IFINDEX; ADDRESS, LLADDRESS (fe80::ffff:ffff:ffff) and MTU when up; OLD_STATE and, if the
/// old state was up, OLD_ADDRESS, OLD_LLADDRESS and OLD_MTU; PATH=/usr/sbin:/usr/bin:/sbin:/bin.
std::vector<std::string> hook_environment(const HookState& now, const HookState& old,
                                          const std::string& iface, int ifindex);

/// What the helper needs, fixed before the fork.
struct HelperSettings {
  int ifindex = 0;
  std::optional<std::string> hook_script;  // unset: configure through rtnetlink
  AddressPolicy policy;
  /// Without a hook: add `default dev IFACE metric 1029` when up (false: the Teredo prefix only).
  bool default_route = true;
  int syslog_facility = 0;
  bool foreground = false;
  /// Without a hook, the helper leaves uid 0 for this identity (the -u user), keeping only
  /// CAP_NET_ADMIN. With a hook it stays uid 0 (with CAP_NET_ADMIN only): hooks such as Debian's
  /// client-hook are written for root.
  std::optional<os::TargetUser> identity;
};

/// The worker's end: sends requests, and at exit closes the channel and waits for the helper's
/// final down and destroy. Used by one thread.
class ClientHelper final : public datapath::InterfaceControl {
 public:
  /// Forks the helper; call as root, single-threaded, after the TUN device exists and before
  /// the privilege drop. The helper reduces itself to CAP_NET_ADMIN at once.
  static os::OsResult<ClientHelper> start(const HelperSettings& settings);

  ClientHelper(ClientHelper&& o) noexcept
      : pid_(std::exchange(o.pid_, -1)), channel_(std::move(o.channel_)) {}
  ClientHelper& operator=(ClientHelper&&) = delete;
  ClientHelper(const ClientHelper&) = delete;
  ~ClientHelper() { finish(); }

  /// Queues a request without blocking; false (logged) if the helper is gone or not reading.
  bool send_up(const proto::Ipv6Addr& address, std::uint32_t mtu) override;
  bool send_down() override;
  /// Closes the channel and waits for the helper to exit. Idempotent.
  void finish();
  pid_t pid() const { return pid_; }

 private:
  ClientHelper(pid_t pid, os::Fd channel) : pid_(pid), channel_(std::move(channel)) {}
  bool send(const HelperRequest& r);

  pid_t pid_ = -1;
  os::Fd channel_;
};

/// The helper's main: restrict capabilities, then serve requests until the channel closes,
/// then bring the tunnel down and destroy it. Returns the exit status.
int run_client_helper(os::Fd channel, const HelperSettings& settings);

}  // namespace teredo::roles
