// SPDX-License-Identifier: GPL-2.0-or-later
// teredo-mire: a Teredo test responder, as Miredo's (miredo-behaviour.md 1.4; man page
// docs/teredo-mire.1). Listens on UDP 0.0.0.0:3544 and 0.0.0.0:3545; answers bubbles on 3544 with
// a bubble from 3545, and on 3545 Echo Requests with Echo Replies and unknown next headers with
// Parameter Problem. Its Teredo address is 2001:0:<IPv4>:<any flags>:<~3545>:<~IPv4>. Needs no
// privileges. Stops on SIGINT or SIGTERM and prints what it did on standard error.
// Exit: 0 stopped by a signal, 1 a socket could not be opened, 2 usage error.
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "core/mire.hpp"
#include "daemon/version.hpp"
#include "os/poll_set.hpp"
#include "os/signals.hpp"
#include "os/udp_socket.hpp"
#include "proto/teredo_address.hpp"

using namespace teredo;

namespace {

void usage(std::FILE* out) {
  std::fputs(
      "Usage: teredo-mire [OPTION]\n"
      "Teredo test responder: answers bubbles (UDP 3544) and ICMPv6 echo requests (UDP 3545) sent to\n"
      "2001:0:<this host's IPv4>:<flags>:<~3545>:<~this host's IPv4>.\n"
      "\n"
      "  -h, --help     this help\n"
      "  -V, --version  version\n",
      out);
}

int serve() {
  auto signals = os::SignalFd::open(os::SignalRole::Daemon);
  os::UdpSocketOptions plain;
  plain.receive_buffer = plain.send_buffer = 0;
  auto bubbles = os::UdpSocket::open({proto::Ipv4Addr{}, proto::kTeredoPort}, plain);
  auto echo = os::UdpSocket::open({proto::Ipv4Addr{}, core::kMireEchoPort}, plain);
  if (!signals || !bubbles || !echo) {
    const auto& e = !signals ? signals.error() : !bubbles ? bubbles.error() : echo.error();
    std::fprintf(stderr, "teredo-mire: %s\n", e.message().c_str());
    return 1;
  }
  core::Mire mire;
  os::RecvBatch in;
  os::SendBatch out;
  static std::uint8_t buffers[os::kMaxBatch][core::kMireOutputSize];
  for (;;) {
    os::PollSet poll;
    const std::size_t sig = poll.add(signals->fd(), os::PollSet::kReadable);
    const std::size_t on[2] = {poll.add(bubbles->fd(), os::PollSet::kReadable),
                               poll.add(echo->fd(), os::PollSet::kReadable)};
    auto ready = poll.wait(-1);
    if (!ready || *ready == 0) continue;  // EINTR
    if (poll.ready(sig) && signals->read()) break;
    for (int k = 0; k < 2; ++k) {
      if (!poll.ready(on[k])) continue;
      os::UdpSocket& s = k == 0 ? *bubbles : *echo;
      auto n = s.recv_batch(in);
      if (!n) continue;
      for (std::size_t i = 0; i < *n; ++i) {
        if (in.truncated(i)) continue;
        auto r = mire.on_datagram(k == 0 ? core::MirePort::Bubbles : core::MirePort::Echo, in.source(i),
                                  in.payload(i), buffers[i]);
        if (r) out.add(r->to, r->payload, {});
      }
      if (out.size() > 0) (void)echo->send_batch(out);  // replies always leave from 3545
    }
  }
  const core::MireCounters& c = mire.counters();
  std::fprintf(
      stderr,
      "teredo-mire: %llu datagrams, %llu bubbles answered, %llu echo replies, %llu parameter problems, "
      "%llu dropped\n",
      static_cast<unsigned long long>(c.received), static_cast<unsigned long long>(c.bubbles_answered),
      static_cast<unsigned long long>(c.echo_replies), static_cast<unsigned long long>(c.parameter_problems),
      static_cast<unsigned long long>(mire.drops().total()));
  for (std::size_t i = 0; i < proto::kDropCount; ++i)
    if (mire.drops().count[i] != 0)
      std::fprintf(stderr, "teredo-mire: dropped %s: %llu\n", std::string(proto::kDropNames[i]).c_str(),
                   static_cast<unsigned long long>(mire.drops().count[i]));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    }
    if (a == "-V" || a == "--version") {
      std::fputs(daemon::version_text(std::string("teredo-mire (teredod) ") + daemon::kVersion).c_str(),
                 stdout);
      return 0;
    }
    std::fprintf(stderr, "teredo-mire: unknown argument \"%s\"\n", argv[i]);
    usage(stderr);
    return 2;
  }
  return serve();
}
