// Set-up steps shared by teredod's relay and client workers.
#include "roles/tunnel_setup.hpp"

#include <chrono>
#include <cstdlib>
#include <string_view>

#include "os/net_text.hpp"
#include "os/random.hpp"
#include "os/steering.hpp"

namespace teredo::roles {

using namespace daemon;    // NOLINT(google-build-using-namespace): rewritten by the one-worker step
using namespace config;    // NOLINT(google-build-using-namespace)
using namespace control;   // NOLINT(google-build-using-namespace)
using namespace datapath;  // NOLINT(google-build-using-namespace)

namespace log = daemon::log;

std::optional<TunnelSockets> open_tunnel_sockets(const proto::Endpoint& bind, bool reuse_port) {
  os::UdpSocketOptions options;
  options.reuse_port = reuse_port;
  auto udp = os::UdpSocket::open(bind, options);
  if (!udp) {
    log::alert("Cannot open UDP socket on {}: {}", os::to_string(bind), udp.error().message());
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

bool draw_secret(proto::MutableBytes secret, const char* what) {
  if (auto st = os::fill_random(secret); !st) {
    log::alert("Cannot draw the {} secret: {}", what, st.error().message());
    return false;
  }
  return true;
}

bool create_shards(unsigned n, std::unique_ptr<Shards>& out) {
  if (n <= 1) return true;
  auto sh = Shards::create(n);
  if (!sh) {
    log::alert("Cannot create the workers' wake-up descriptors: {}", sh.error().message());
    return false;
  }
  out = std::move(*sh);
  return true;
}

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
      log::alert("Cannot open UDP socket on {}: {}", os::to_string(bind), c.error().message());
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

void attach_steering(os::TunDevice& tun, os::UdpSocket& first_udp, unsigned n, bool auth_to_first) {
  if (const char* env = std::getenv("TEREDOD_STEERING"); env != nullptr && std::string_view(env) == "off") {
    log::notice("{} workers; steering: off (TEREDOD_STEERING=off), misdirected packets handed over", n);
    return;
  }
  const auto tun_st = os::attach_tun_steering(tun.fd());
  const auto udp_st = os::attach_udp_steering(first_udp.fd(), n, auth_to_first);
  log::notice("{} workers; steering: TUN queues {}, UDP sockets {}", n,
              tun_st ? "by destination (eBPF)" : "by flow (" + tun_st.error().message() + "), handed over",
              udp_st ? "by inner source (cBPF)" : "by 4-tuple (" + udp_st.error().message() + "), handed over");
}

namespace {
// How long the control thread waits for each worker's answer.
constexpr std::chrono::milliseconds kWorkerAnswerTimeout{2000};
}  // namespace

bool confine_with_merged_control(std::unique_ptr<ControlServer>& control,
                                 std::vector<std::unique_ptr<ControlPort>>& ports,
                                 const std::vector<std::function<void(ControlPort&)>>& attach, WorkerContext& ctx) {
  if (control) {
    std::vector<ControlPort*> all{&control->port()};
    for (std::size_t i = 1; i < attach.size(); ++i) {
      auto p = ControlPort::create();
      if (!p) {
        log::alert("Cannot create the control channel: {}", p.error().message());
        return false;
      }
      ports.push_back(std::move(*p));
      all.push_back(ports.back().get());
    }
    for (std::size_t i = 0; i < attach.size(); ++i) attach[i](*all[i]);
    if (!control->start_metrics([all](const PeerQuery& q) -> std::optional<ControlSnapshot> {
          std::vector<ControlSnapshot> parts;
          for (ControlPort* p : all) {
            auto s = p->request(q, kWorkerAnswerTimeout);
            if (!s) return std::nullopt;
            parts.push_back(std::move(*s));
          }
          return merge_snapshots(std::move(parts), q);
        }))
      return false;
  }
  if (!ctx.confine()) return false;  // threads inherit the filter
  if (control && !control->start()) return false;
  return true;
}

}  // namespace teredo::roles
