// Set-up steps shared by teredod's relay and client workers.
#include "daemon/tunnel_worker_setup.hpp"

#include "os/net_text.hpp"
#include "os/random.hpp"

namespace teredo::daemon {

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

}  // namespace teredo::daemon
