// SPDX-License-Identifier: GPL-2.0-or-later
// The shared steps of the relay and client set-up (tunnel_setup.hpp).
#include "roles/tunnel_setup.hpp"
#include "roles/busy_messages.hpp"

#include <array>
#include <cstdint>

#include "os/multicast.hpp"
#include "os/net_text.hpp"
#include "os/random.hpp"
#include "os/steering.hpp"

namespace teredo::roles {

namespace log = daemon::log;

namespace {

// How long the control thread waits for each worker's answer.
constexpr std::chrono::milliseconds kWorkerAnswerTimeout{2000};

std::optional<TunnelSockets> open_tunnel_sockets(const proto::Endpoint& bind, bool reuse_port) {
  os::UdpSocketOptions options;
  options.reuse_port = reuse_port;
  auto udp = os::UdpSocket::open(bind, options);
  if (!udp) {
    log::alert("Cannot open UDP socket on {}: {}", os::to_string(bind),
               udp_failure(bind, udp.error(), "Miredo"));
    return std::nullopt;
  }
  auto icmp = os::RawIcmpv6Socket::open();
  if (!icmp) {
    log::alert("Raw ICMPv6 socket not working: {}", icmp.error().message());
    return std::nullopt;
  }
  auto timer = os::TimerFd::open();
  if (!timer) {
    log::alert("Cannot create timer: {}", timer.error().message());
    return std::nullopt;
  }
  return TunnelSockets{std::move(*udp), std::move(*icmp), std::move(*timer)};
}

}  // namespace

std::optional<std::vector<os::TunDevice>> open_worker_queues(const os::TunDevice& tun, unsigned n) {
  std::vector<os::TunDevice> queues;
  for (unsigned i = 1; i < n; ++i) {
    auto q = tun.open_queue();
    if (!q) {
      log::alert("Cannot attach queue {} to {}: {}", i, tun.name(), q.error().message());
      return std::nullopt;
    }
    queues.push_back(std::move(*q));
  }
  return queues;
}

std::vector<TunnelSockets> open_worker_sockets(const proto::Endpoint& bind, unsigned n) {
  proto::Endpoint at = bind;
  if (n > 1) {
    auto c = os::UdpSocket::claim(bind);
    if (!c) {
      log::alert("Cannot open UDP socket on {}: {}", os::to_string(bind),
                 udp_failure(bind, c.error(), "Miredo"));
      return {};
    }
    at = *c;
  }
  std::vector<TunnelSockets> sockets;
  for (unsigned i = 0; i < n; ++i) {
    auto s = open_tunnel_sockets(at, n > 1);
    if (!s) return {};
    sockets.push_back(std::move(*s));
  }
  return sockets;
}

void attach_steering(os::TunDevice& tun, os::UdpSocket& first_udp, unsigned n, const proto::SteeringKey& key,
                     bool auth_to_first, bool steering) {
  if (!steering) {
    log::notice("{} workers; steering: off (Steering no), misdirected packets handed over", n);
    return;
  }
  const auto tun_st = os::attach_tun_steering(tun.fd(), key);
  const auto udp_st = os::attach_udp_steering(first_udp.fd(), n, key, auth_to_first);
  log::notice(
      "{} workers; steering: TUN queues {}, UDP sockets {}", n,
      tun_st ? "by destination (eBPF)" : "by flow (" + tun_st.error().message() + "), handed over",
      udp_st ? "by inner source (cBPF)" : "by 4-tuple (" + udp_st.error().message() + "), handed over");
}

std::optional<os::UdpSocket> open_local_discovery(core::ClientConfig& config,
                                                  std::vector<TunnelSockets>& sockets) {
  if (!config.local_discovery) return std::nullopt;
  auto off = [&](const std::string& why) -> std::optional<os::UdpSocket> {
    log::warning("Local discovery off: {}", why);
    config.local_discovery = false;
    return std::nullopt;
  };
  if (config.local.addr.value == 0) return off("no local IPv4 address toward the server");
  auto length = os::ipv4_prefix_length(config.local.addr);
  if (!length)
    return off("no interface holds " + os::to_string(config.local.addr) + " (" + length.error().message() +
               ")");
  config.local_prefix_length = *length;
  auto group = os::open_group_socket({proto::kTeredoDiscoveryAddress, proto::kTeredoPort}, config.local.addr);
  if (!group) return off("cannot join 224.0.0.253:3544: " + group.error().message());
  for (TunnelSockets& s : sockets) {
    if (auto st = os::send_multicast_on(s.udp, config.local.addr); !st)
      return off("cannot send to 224.0.0.253: " + st.error().message());
  }
  log::info("Local discovery on {}/{}: group 224.0.0.253:3544", os::to_string(config.local.addr),
            static_cast<unsigned>(*length));
  return std::move(*group);
}

bool draw_secret(proto::MutableBytes secret, const char* what) {
  if (auto st = os::fill_random(secret); !st) {
    log::alert("Cannot draw the {} secret: {}", what, st.error().message());
    return false;
  }
  return true;
}

std::optional<proto::SteeringKey> draw_steering_key() {
  std::array<std::uint8_t, 16> bytes{};
  if (!draw_secret(bytes, "steering")) return std::nullopt;
  proto::SteeringKey key;
  for (std::size_t i = 0; i < key.words.size(); ++i) key.words[i] = proto::load_be32(&bytes[4 * i]);
  return key;
}

std::unique_ptr<datapath::Shards> create_shards(unsigned n, const proto::SteeringKey& key) {
  auto shards = datapath::Shards::create(n, key);
  if (!shards) {
    log::alert("Cannot create the workers' wake-up descriptors: {}", shards.error().message());
    return nullptr;
  }
  return std::move(*shards);
}

bool confine_with_control(control::ControlServer* control,
                          std::vector<std::unique_ptr<control::ControlPort>>& ports, unsigned n,
                          const std::function<void(unsigned, control::ControlPort&)>& attach,
                          daemon::WorkerContext& ctx, const os::SeccompOptions& seccomp) {
  if (control != nullptr) {
    std::vector<control::ControlPort*> all;
    for (unsigned i = 0; i < n; ++i) {
      auto p = control::ControlPort::create();
      if (!p) {
        log::alert("Cannot create the control channel: {}", p.error().message());
        return false;
      }
      attach(i, **p);
      all.push_back(p->get());
      ports.push_back(std::move(*p));
    }
    // MetricsListen's socket: before seccomp, which forbids creating it.
    if (!control->listen([all](const control::PeerQuery& q) -> std::optional<control::ControlSnapshot> {
          std::vector<control::ControlSnapshot> parts;
          for (control::ControlPort* p : all) {
            auto s = p->request(q, kWorkerAnswerTimeout);
            if (!s) return std::nullopt;
            parts.push_back(std::move(*s));
          }
          return control::merge_snapshots(std::move(parts), q);
        }))
      return false;
  }
  if (!ctx.confine(seccomp)) return false;  // threads inherit the filter
  if (control != nullptr && !control->start()) return false;
  return true;
}

}  // namespace teredo::roles
