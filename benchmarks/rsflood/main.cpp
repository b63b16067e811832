// SPDX-License-Identifier: GPL-2.0-or-later
// teredo-rsflood: floods a Teredo server with qualification Router Solicitations (RFC 4380 5.2.1)
// from many UDP source ports and counts the valid Router Advertisements it gets back.
//
// Each RS is: nonce-only authentication header (00 01 00 00 + nonce + confirmation 00), then
// IPv6 fe80::ffff:ffff:ffff -> ff02::2 ICMPv6 RS. The 8-byte nonce encodes (socket index, sequence
// number) XOR a per-run random key, so every packet carries a distinct nonce and a reply can be
// matched to an outstanding request of the socket that received it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "proto/bytes.hpp"
#include "proto/encapsulation.hpp"
#include "proto/ipv4.hpp"
#include "proto/ipv6.hpp"
#include "proto/router_discovery.hpp"
#include "proto/teredo_address.hpp"

namespace {

using namespace teredo::proto;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage = R"(Usage: teredo-rsflood --server IPV4 [options]

Floods a Teredo server (UDP port 3544) with qualification Router Solicitations from many UDP
source ports and counts the valid Router Advertisements it answers with.

Options:
  --server IPV4      Teredo server primary address (required); port 3544
  --bind IPV4        local address of the source sockets (default: any)
  --ports N          number of UDP source sockets (default 64), shared among the threads
  --duration SEC     measurement window in seconds (default 10)
  --warmup SEC       warm-up before the window, not counted (default 1)
  --rate PPS         total RS per second; 0 = as fast as the server answers (default 0)
  --window W         closed-loop window: RS outstanding per socket when --rate 0 (default 4)
  --loss-timeout MS  a socket whose window is stuck this long forgets its outstanding RS (default 50)
  --batch N          sendmmsg/recvmmsg batch (default 64)
  --threads N        worker threads, each owning ports/threads sockets and an epoll (default 1)
  --json             print one JSON object instead of the text report
  -h, --help         this text

Packets: each RS carries a nonce-only authentication header (00 01 00 00, 8-byte nonce, 00)
with a per-packet distinct nonce, source fe80::ffff:ffff:ffff (flags 0), destination ff02::2.

A reply counts as valid only if it comes from SERVER:3544, parse_teredo_packet accepts it, its
authentication nonce is one this socket sent and has not been answered yet, it has an origin
indication equal to the socket's own address and port, and its IPv6 packet is a valid RA with
exactly one Prefix Information option. Anything else received is counted as invalid; a second
or late answer to a nonce (after a loss timeout) is counted as stale, not valid.

Method: with --rate 0 the generator is closed-loop. Each socket keeps at most W RS outstanding
and sends again only when valid answers come back, so the load tracks the server's capacity
instead of overflowing socket buffers (drops would only burn the CPU the server shares). If a
socket gets no valid answer for --loss-timeout while it has RS outstanding, those RS are declared
lost and its window reopens. The default (4 per socket, 256 in flight with 64 ports) keeps a
single-socket server busy without overflowing its default ~200 KiB receive buffer, which holds
only a few hundred small datagrams; larger windows mostly measure drops and loss timeouts. With --rate > 0 the generator is open-loop at that rate (token
bucket per thread). Counters are sampled at the end of the warm-up and at the end of the window;
"answered RS/s" is valid answers in the window divided by the window's length.
)";

struct Options {
  Ipv4Addr server;
  bool have_server = false;
  Ipv4Addr bind;
  unsigned ports = 64;
  double duration = 10.0;
  double warmup = 1.0;
  double rate = 0.0;
  unsigned window = 4;
  double loss_timeout_ms = 50.0;
  unsigned batch = 64;
  unsigned threads = 1;
  bool json = false;
};

// Per-thread counters, written by one worker, read by the main thread.
struct alignas(64) Counters {
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> valid{0};
  std::atomic<std::uint64_t> invalid{0};
  std::atomic<std::uint64_t> stale{0};
  std::atomic<std::uint64_t> lost{0};  // declared lost by the loss timeout or ring reuse
  std::atomic<std::uint64_t> send_errors{0};
  // Invalid, by reason.
  std::atomic<std::uint64_t> bad_source{0};
  std::atomic<std::uint64_t> bad_teredo{0};
  std::atomic<std::uint64_t> bad_nonce{0};
  std::atomic<std::uint64_t> bad_origin{0};
  std::atomic<std::uint64_t> bad_ra{0};
};

struct Snapshot {
  std::uint64_t sent = 0, valid = 0, invalid = 0, stale = 0, lost = 0, send_errors = 0;
  std::uint64_t bad_source = 0, bad_teredo = 0, bad_nonce = 0, bad_origin = 0, bad_ra = 0;
};

Snapshot snapshot(const std::vector<Counters>& cs) {
  Snapshot s;
  for (const auto& c : cs) {
    s.sent += c.sent.load(std::memory_order_relaxed);
    s.valid += c.valid.load(std::memory_order_relaxed);
    s.invalid += c.invalid.load(std::memory_order_relaxed);
    s.stale += c.stale.load(std::memory_order_relaxed);
    s.lost += c.lost.load(std::memory_order_relaxed);
    s.send_errors += c.send_errors.load(std::memory_order_relaxed);
    s.bad_source += c.bad_source.load(std::memory_order_relaxed);
    s.bad_teredo += c.bad_teredo.load(std::memory_order_relaxed);
    s.bad_nonce += c.bad_nonce.load(std::memory_order_relaxed);
    s.bad_origin += c.bad_origin.load(std::memory_order_relaxed);
    s.bad_ra += c.bad_ra.load(std::memory_order_relaxed);
  }
  return s;
}

Snapshot operator-(const Snapshot& a, const Snapshot& b) {
  return Snapshot{a.sent - b.sent,
                  a.valid - b.valid,
                  a.invalid - b.invalid,
                  a.stale - b.stale,
                  a.lost - b.lost,
                  a.send_errors - b.send_errors,
                  a.bad_source - b.bad_source,
                  a.bad_teredo - b.bad_teredo,
                  a.bad_nonce - b.bad_nonce,
                  a.bad_origin - b.bad_origin,
                  a.bad_ra - b.bad_ra};
}

void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

sockaddr_in to_sockaddr(Endpoint e) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  std::uint8_t port[2];
  store_be16(port, e.port);
  std::memcpy(&sa.sin_port, port, 2);
  std::uint8_t addr[4];
  store_be32(addr, e.addr.value);
  std::memcpy(&sa.sin_addr.s_addr, addr, 4);
  return sa;
}

Endpoint from_sockaddr(const sockaddr_in& sa) {
  std::uint8_t port[2];
  std::memcpy(port, &sa.sin_port, 2);
  std::uint8_t addr[4];
  std::memcpy(addr, &sa.sin_addr.s_addr, 4);
  return Endpoint{Ipv4Addr{load_be32(addr)}, load_be16(port)};
}

bool parse_ipv4(const char* s, Ipv4Addr& out) {
  in_addr a{};
  if (inet_pton(AF_INET, s, &a) != 1) return false;
  std::uint8_t b[4];
  std::memcpy(b, &a.s_addr, 4);
  out = Ipv4Addr{load_be32(b)};
  return true;
}

std::string ipv4_string(Ipv4Addr a) {
  char buf[INET_ADDRSTRLEN];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a.value >> 24, (a.value >> 16) & 0xFFu,
                (a.value >> 8) & 0xFFu, a.value & 0xFFu);
  return buf;
}

std::size_t next_pow2(std::size_t v) {
  std::size_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

constexpr std::size_t kNonceOffset = 4;  // 00 01 idlen aulen | nonce
constexpr std::uint64_t kSeqMask = (std::uint64_t{1} << 48) - 1;
constexpr std::size_t kRecvBufSize = 2048;

struct Sock {
  int fd = -1;
  std::uint16_t index = 0;
  Endpoint local;
  std::uint64_t next_seq = 0;
  std::vector<std::uint64_t> ring;  // seq + 1 of each outstanding RS, 0 when free
  unsigned outstanding = 0;
  Clock::time_point last_progress{};
  bool blocked = false;  // waiting for EPOLLOUT
};

class Worker {
 public:
  Worker(const Options& opt, std::uint64_t key, std::vector<std::uint8_t> tmpl, Counters& c,
         std::atomic<bool>& stop)
      : opt_(opt), key_(key), tmpl_(std::move(tmpl)), c_(c), stop_(stop) {}

  // Creates this worker's sockets; returns false (with a message) on failure.
  bool add_socket(std::uint16_t index, std::size_t ring_size) {
    Sock s;
    s.index = index;
    s.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s.fd < 0) {
      std::fprintf(stderr, "teredo-rsflood: socket: %s\n", std::strerror(errno));
      return false;
    }
    const sockaddr_in local = to_sockaddr(Endpoint{opt_.bind, 0});
    if (bind(s.fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
      std::fprintf(stderr, "teredo-rsflood: bind %s: %s\n", ipv4_string(opt_.bind).c_str(),
                   std::strerror(errno));
      close(s.fd);
      return false;
    }
    sockaddr_in got{};
    socklen_t len = sizeof got;
    getsockname(s.fd, reinterpret_cast<sockaddr*>(&got), &len);
    s.local = from_sockaddr(got);
    int buf = 4 << 20;
    setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    s.ring.assign(ring_size, 0);
    socks_.push_back(std::move(s));
    return true;
  }

  bool setup() {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) return false;
    for (std::size_t i = 0; i < socks_.size(); ++i) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = i;
      if (epoll_ctl(epfd_, EPOLL_CTL_ADD, socks_[i].fd, &ev) != 0) return false;
    }
    const std::size_t b = opt_.batch;
    server_sa_ = to_sockaddr(Endpoint{opt_.server, kTeredoPort});
    sbufs_.assign(b * tmpl_.size(), 0);
    siov_.resize(b);
    smsg_.resize(b);
    rbufs_.assign(b * kRecvBufSize, 0);
    riov_.resize(b);
    rmsg_.resize(b);
    rfrom_.resize(b);
    for (std::size_t i = 0; i < b; ++i) {
      std::memcpy(&sbufs_[i * tmpl_.size()], tmpl_.data(), tmpl_.size());
      siov_[i].iov_base = &sbufs_[i * tmpl_.size()];
      siov_[i].iov_len = tmpl_.size();
      smsg_[i].msg_hdr.msg_iov = &siov_[i];
      smsg_[i].msg_hdr.msg_iovlen = 1;
      smsg_[i].msg_hdr.msg_name = &server_sa_;
      smsg_[i].msg_hdr.msg_namelen = sizeof server_sa_;
      riov_[i].iov_base = &rbufs_[i * kRecvBufSize];
      riov_[i].iov_len = kRecvBufSize;
    }
    return true;
  }

  ~Worker() {
    for (auto& s : socks_)
      if (s.fd >= 0) close(s.fd);
    if (epfd_ >= 0) close(epfd_);
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void run() {
    const bool closed_loop = opt_.rate <= 0.0;
    const double rate = closed_loop ? 0.0 : opt_.rate / opt_.threads;
    const double burst =
        std::min(std::max(double(opt_.batch), rate * 0.003), double(opt_.batch) * double(socks_.size()));
    const auto loss_timeout = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double, std::milli>(opt_.loss_timeout_ms));
    double tokens = closed_loop ? 0.0 : burst;
    auto last = Clock::now();
    auto last_check = last;
    std::size_t rr = 0;
    std::vector<epoll_event> events(socks_.size() + 1);
    for (auto& s : socks_) s.last_progress = last;

    while (!stop_.load(std::memory_order_relaxed)) {
      const auto now = Clock::now();
      bool more = false;  // some socket could send right away
      if (!closed_loop) {
        tokens = std::min(burst, tokens + rate * std::chrono::duration<double>(now - last).count());
        last = now;
      }
      for (std::size_t k = 0; k < socks_.size(); ++k) {
        Sock& s = socks_[(rr + k) % socks_.size()];
        if (s.blocked) continue;
        std::size_t n = opt_.batch;
        if (closed_loop) {
          n = std::min<std::size_t>(n, opt_.window - std::min(opt_.window, s.outstanding));
        } else {
          n = std::min<std::size_t>(n, static_cast<std::size_t>(tokens));
        }
        if (n == 0) continue;
        const std::size_t done = send_batch(s, n, now);
        if (!closed_loop) tokens -= static_cast<double>(done);
        if (closed_loop && s.outstanding < opt_.window && !s.blocked) more = true;
      }
      rr = (rr + 1) % socks_.size();
      if (!closed_loop && tokens >= 1.0) more = true;

      const int timeout_ms = more ? 0 : 1;
      const int nev = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), timeout_ms);
      for (int i = 0; i < nev; ++i) {
        const auto& ev = events[static_cast<std::size_t>(i)];
        Sock& s = socks_[ev.data.u64];
        if ((ev.events & EPOLLOUT) != 0 && s.blocked) {
          s.blocked = false;
          epoll_event mod{};
          mod.events = EPOLLIN;
          mod.data.u64 = ev.data.u64;
          epoll_ctl(epfd_, EPOLL_CTL_MOD, s.fd, &mod);
        }
        if ((ev.events & (EPOLLIN | EPOLLERR)) != 0) receive(s);
      }

      // Loss timeout: reopen windows that made no progress.
      const auto t = Clock::now();
      if (t - last_check > loss_timeout / 4) {
        last_check = t;
        for (auto& s : socks_) {
          if (s.outstanding > 0 && t - s.last_progress > loss_timeout) {
            bump(c_.lost, s.outstanding);
            std::fill(s.ring.begin(), s.ring.end(), 0);
            s.outstanding = 0;
            s.last_progress = t;
          }
        }
      }
    }
  }

 private:
  std::size_t send_batch(Sock& s, std::size_t n, Clock::time_point now) {
    const std::size_t mask = s.ring.size() - 1;
    if (s.outstanding == 0) s.last_progress = now;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t seq = s.next_seq + i;
      const std::uint64_t v = ((std::uint64_t{s.index} << 48) | (seq & kSeqMask)) ^ key_;
      std::uint8_t* p = &sbufs_[i * tmpl_.size() + kNonceOffset];
      store_be32(p, static_cast<std::uint32_t>(v >> 32));
      store_be32(p + 4, static_cast<std::uint32_t>(v));
    }
    const int r = sendmmsg(s.fd, smsg_.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
    if (r <= 0) {
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
        s.blocked = true;
        epoll_event mod{};
        mod.events = EPOLLIN | EPOLLOUT;
        mod.data.u64 = static_cast<std::uint64_t>(&s - socks_.data());
        epoll_ctl(epfd_, EPOLL_CTL_MOD, s.fd, &mod);
      } else {
        bump(c_.send_errors);
      }
      return 0;
    }
    const auto done = static_cast<std::size_t>(r);
    for (std::size_t i = 0; i < done; ++i) {
      const std::uint64_t seq = s.next_seq + i;
      std::uint64_t& slot = s.ring[seq & mask];
      if (slot != 0) {  // ring reuse: the older RS is lost
        bump(c_.lost);
        --s.outstanding;
      }
      slot = seq + 1;
      ++s.outstanding;
    }
    s.next_seq += done;
    bump(c_.sent, done);
    return done;
  }

  void receive(Sock& s) {
    for (int rounds = 0; rounds < 8; ++rounds) {
      for (std::size_t i = 0; i < opt_.batch; ++i) {
        rmsg_[i].msg_hdr = msghdr{};
        rmsg_[i].msg_hdr.msg_iov = &riov_[i];
        rmsg_[i].msg_hdr.msg_iovlen = 1;
        rmsg_[i].msg_hdr.msg_name = &rfrom_[i];
        rmsg_[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
      }
      const int r = recvmmsg(s.fd, rmsg_.data(), opt_.batch, MSG_DONTWAIT, nullptr);
      if (r <= 0) return;
      std::uint64_t valid = 0;
      for (std::size_t i = 0; i < static_cast<std::size_t>(r); ++i) {
        const ByteView dgram(&rbufs_[i * kRecvBufSize],
                             std::min<std::size_t>(rmsg_[i].msg_len, kRecvBufSize));
        if (check_reply(s, from_sockaddr(rfrom_[i]), dgram)) ++valid;
      }
      if (valid > 0) {
        bump(c_.valid, valid);
        s.last_progress = Clock::now();
      }
      if (static_cast<unsigned>(r) < opt_.batch) return;
    }
  }

  bool check_reply(Sock& s, Endpoint from, ByteView dgram) {
    if (from != Endpoint{opt_.server, kTeredoPort}) return invalid(c_.bad_source);
    auto pkt = parse_teredo_packet(dgram);
    if (!pkt || !pkt->auth) return invalid(c_.bad_teredo);
    const Nonce& n = pkt->auth->nonce;
    const std::uint64_t v = ((std::uint64_t{load_be32(n.data())} << 32) | load_be32(n.data() + 4)) ^ key_;
    const std::uint64_t seq = v & kSeqMask;
    if ((v >> 48) != s.index || seq >= s.next_seq) return invalid(c_.bad_nonce);
    if (!pkt->origin || pkt->origin->port != s.local.port ||
        (s.local.addr.value != 0 && pkt->origin->addr != s.local.addr))
      return invalid(c_.bad_origin);
    auto ip = parse_ipv6(pkt->ipv6);
    if (!ip) return invalid(c_.bad_ra);
    auto ra = parse_router_advertisement(*ip);
    if (!ra || ra->prefix_count != 1) return invalid(c_.bad_ra);
    std::uint64_t& slot = s.ring[seq & (s.ring.size() - 1)];
    if (slot != seq + 1) {  // answered already, or given up on
      bump(c_.stale);
      return false;
    }
    slot = 0;
    --s.outstanding;
    return true;
  }

  bool invalid(std::atomic<std::uint64_t>& reason) {
    bump(reason);
    bump(c_.invalid);
    return false;
  }

  const Options& opt_;
  std::uint64_t key_;
  std::vector<std::uint8_t> tmpl_;
  Counters& c_;
  std::atomic<bool>& stop_;
  std::vector<Sock> socks_;
  int epfd_ = -1;
  sockaddr_in server_sa_{};
  std::vector<std::uint8_t> sbufs_;
  std::vector<iovec> siov_;
  std::vector<mmsghdr> smsg_;
  std::vector<std::uint8_t> rbufs_;
  std::vector<iovec> riov_;
  std::vector<mmsghdr> rmsg_;
  std::vector<sockaddr_in> rfrom_;
};

[[noreturn]] void usage_error(const char* msg, const char* arg) {
  std::fprintf(stderr, "teredo-rsflood: %s%s%s\nTry 'teredo-rsflood --help'.\n", msg, arg ? ": " : "",
               arg ? arg : "");
  std::exit(2);
}

double parse_number(const char* s, const char* name, double min, double max) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !(v >= min && v <= max)) usage_error("bad value for", name);
  return v;
}

unsigned parse_count(const char* s, const char* name, unsigned min, unsigned max) {
  const double v = parse_number(s, name, min, max);
  if (v != static_cast<double>(static_cast<unsigned>(v))) usage_error("not an integer:", name);
  return static_cast<unsigned>(v);
}

Options parse_options(int argc, char** argv) {
  Options o;
  enum { kServer = 256, kBind, kPorts, kDuration, kWarmup, kRate, kWindow, kLoss, kBatch, kThreads, kJson };
  static const option longopts[] = {{"server", required_argument, nullptr, kServer},
                                    {"bind", required_argument, nullptr, kBind},
                                    {"ports", required_argument, nullptr, kPorts},
                                    {"duration", required_argument, nullptr, kDuration},
                                    {"warmup", required_argument, nullptr, kWarmup},
                                    {"rate", required_argument, nullptr, kRate},
                                    {"window", required_argument, nullptr, kWindow},
                                    {"loss-timeout", required_argument, nullptr, kLoss},
                                    {"batch", required_argument, nullptr, kBatch},
                                    {"threads", required_argument, nullptr, kThreads},
                                    {"json", no_argument, nullptr, kJson},
                                    {"help", no_argument, nullptr, 'h'},
                                    {nullptr, 0, nullptr, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "h", longopts, nullptr)) != -1) {
    switch (c) {
      case kServer:
        if (!parse_ipv4(optarg, o.server)) usage_error("bad --server address", optarg);
        o.have_server = true;
        break;
      case kBind:
        if (!parse_ipv4(optarg, o.bind)) usage_error("bad --bind address", optarg);
        break;
      case kPorts:
        o.ports = parse_count(optarg, "--ports", 1, 65535);
        break;
      case kDuration:
        o.duration = parse_number(optarg, "--duration", 0.1, 86400);
        break;
      case kWarmup:
        o.warmup = parse_number(optarg, "--warmup", 0, 3600);
        break;
      case kRate:
        o.rate = parse_number(optarg, "--rate", 0, 1e9);
        break;
      case kWindow:
        o.window = parse_count(optarg, "--window", 1, 65536);
        break;
      case kLoss:
        o.loss_timeout_ms = parse_number(optarg, "--loss-timeout", 1, 60000);
        break;
      case kBatch:
        o.batch = parse_count(optarg, "--batch", 1, 1024);
        break;
      case kThreads:
        o.threads = parse_count(optarg, "--threads", 1, 256);
        break;
      case kJson:
        o.json = true;
        break;
      case 'h':
        std::fputs(kUsage, stdout);
        std::exit(0);
      default:
        usage_error("bad option", nullptr);
    }
  }
  if (optind < argc) usage_error("unexpected argument", argv[optind]);
  if (!o.have_server) usage_error("--server is required", nullptr);
  if (o.threads > o.ports) o.threads = o.ports;
  return o;
}

// The RS datagram, with a zero nonce; checked against the parser once.
std::vector<std::uint8_t> build_template() {
  std::vector<std::uint8_t> buf(kAuthHeaderMinSize + kRouterSolicitationSize);
  Writer w(buf);
  build_auth_header(w, Nonce{}, 0);
  build_router_solicitation(w, build_teredo_link_local(0, Endpoint{}));
  auto pkt = parse_teredo_packet(buf);
  bool ok = w.ok() && w.size() == buf.size() && pkt && pkt->auth && !pkt->origin;
  if (ok) {
    auto ip = parse_ipv6(pkt->ipv6);
    ok = ip && parse_router_solicitation(*ip).ok();
  }
  if (!ok) {
    std::fputs("teredo-rsflood: internal error: RS template does not parse\n", stderr);
    std::exit(1);
  }
  return buf;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse_options(argc, argv);
  const std::vector<std::uint8_t> tmpl = build_template();
  std::random_device rd;
  const std::uint64_t key = (std::uint64_t{rd()} << 32) ^ rd();

  // Ring per socket: large enough that open-loop reuse means a really old RS.
  std::size_t ring = next_pow2(std::max<std::size_t>(4u * opt.window, 1024));
  if (opt.rate > 0) {
    const double per_sock_per_s = opt.rate / opt.ports;
    ring = next_pow2(std::clamp<std::size_t>(static_cast<std::size_t>(per_sock_per_s), 1024, 65536));
  }

  std::vector<Counters> counters(opt.threads);
  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned t = 0; t < opt.threads; ++t) {
    workers.push_back(std::make_unique<Worker>(opt, key, tmpl, counters[t], stop));
  }
  for (unsigned i = 0; i < opt.ports; ++i) {
    if (!workers[i % opt.threads]->add_socket(static_cast<std::uint16_t>(i), ring)) return 1;
  }
  for (auto& w : workers) {
    if (!w->setup()) {
      std::fprintf(stderr, "teredo-rsflood: epoll setup: %s\n", std::strerror(errno));
      return 1;
    }
  }

  const double cpu0 = cpu_seconds();
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });

  std::this_thread::sleep_for(std::chrono::duration<double>(opt.warmup));
  const Snapshot s0 = snapshot(counters);
  const double cpu1 = cpu_seconds();
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(opt.duration));
  const Snapshot s1 = snapshot(counters);
  const auto t1 = Clock::now();
  const double cpu2 = cpu_seconds();
  stop.store(true);
  for (auto& th : threads) th.join();
  const Snapshot total = snapshot(counters);
  (void)cpu0;

  const Snapshot w = s1 - s0;
  const double secs = std::chrono::duration<double>(t1 - t0).count();
  const double answered = static_cast<double>(w.valid) / secs;
  const double sent_rate = static_cast<double>(w.sent) / secs;
  const double gen_cpu = cpu2 - cpu1;
  const std::string server = ipv4_string(opt.server);

  if (opt.json) {
    std::printf(
        "{\"server\":\"%s\",\"ports\":%u,\"threads\":%u,\"batch\":%u,\"window\":%u,\"rate\":%.0f,"
        "\"mode\":\"%s\",\"warmup_s\":%.3f,\"window_s\":%.3f,"
        "\"sent\":%llu,\"received_valid\":%llu,\"invalid\":%llu,\"stale\":%llu,\"lost\":%llu,"
        "\"send_errors\":%llu,"
        "\"invalid_reasons\":{\"source\":%llu,\"teredo\":%llu,\"nonce\":%llu,\"origin\":%llu,\"ra\":%llu},"
        "\"sent_per_s\":%.1f,\"answered_rs_per_s\":%.1f,\"generator_cpu_s\":%.3f,"
        "\"total_sent\":%llu,\"total_received_valid\":%llu,\"total_invalid\":%llu}\n",
        server.c_str(), opt.ports, opt.threads, opt.batch, opt.window, opt.rate,
        opt.rate > 0 ? "open-loop" : "closed-loop", opt.warmup, secs, static_cast<unsigned long long>(w.sent),
        static_cast<unsigned long long>(w.valid), static_cast<unsigned long long>(w.invalid),
        static_cast<unsigned long long>(w.stale), static_cast<unsigned long long>(w.lost),
        static_cast<unsigned long long>(w.send_errors), static_cast<unsigned long long>(w.bad_source),
        static_cast<unsigned long long>(w.bad_teredo), static_cast<unsigned long long>(w.bad_nonce),
        static_cast<unsigned long long>(w.bad_origin), static_cast<unsigned long long>(w.bad_ra), sent_rate,
        answered, gen_cpu, static_cast<unsigned long long>(total.sent),
        static_cast<unsigned long long>(total.valid), static_cast<unsigned long long>(total.invalid));
  } else {
    std::printf("teredo-rsflood: server %s:3544, %u ports, %u thread(s), batch %u, %s\n", server.c_str(),
                opt.ports, opt.threads, opt.batch,
                opt.rate > 0
                    ? ("open-loop " + std::to_string(static_cast<long long>(opt.rate)) + " RS/s").c_str()
                    : ("closed-loop window " + std::to_string(opt.window) + "/socket").c_str());
    std::printf("window:         %.3f s (after %.3f s warm-up)\n", secs, opt.warmup);
    std::printf("sent:           %llu (%.0f RS/s)\n", static_cast<unsigned long long>(w.sent), sent_rate);
    std::printf("received valid: %llu\n", static_cast<unsigned long long>(w.valid));
    std::printf("invalid:        %llu (source %llu, teredo %llu, nonce %llu, origin %llu, ra %llu)\n",
                static_cast<unsigned long long>(w.invalid), static_cast<unsigned long long>(w.bad_source),
                static_cast<unsigned long long>(w.bad_teredo), static_cast<unsigned long long>(w.bad_nonce),
                static_cast<unsigned long long>(w.bad_origin), static_cast<unsigned long long>(w.bad_ra));
    std::printf("stale/lost:     %llu / %llu\n", static_cast<unsigned long long>(w.stale),
                static_cast<unsigned long long>(w.lost));
    std::printf("answered:       %.0f RS/s\n", answered);
    std::printf("generator CPU:  %.2f s\n", gen_cpu);
  }
  return 0;
}
