// SPDX-License-Identifier: GPL-2.0-or-later
// teredo-udpblast: UDP/IPv6 load generator and counting sink for scripts/bench. The sender is
// fast enough not to be the limit of a tunnel (sendmmsg, 64 datagrams a call, blocking socket);
// the sink counts datagrams actually delivered (recvmmsg) and prints them.
//
//   teredo-udpblast send DEST_V6 PORT PAYLOAD_BYTES SECONDS [gso]   -> "sent PACKETS"
// With "gso" each message carries up to 64 datagrams (UDP_SEGMENT), as QUIC stacks send.
//   teredo-udpblast recv PORT SECONDS                          -> "received PACKETS BYTES
//   SECONDS_FIRST_TO_LAST" teredo-udpblast teredo RELAY_IP RELAY_PORT SERVER_IP LOCAL_IP PEERS DEST_V6 PORT
//   PAYLOAD_BYTES SECONDS
//                                                               -> "sent PACKETS"
// The teredo mode plays PEERS Teredo clients with public addresses (no NAT): one UDP socket each
// on LOCAL_IP, sending IPv6/UDP packets from the Teredo address of its own mapping (server
// SERVER_IP) to DEST_V6:PORT through the relay, 64 datagrams per sendmmsg, peer after peer.
//   teredo-udpblast spray SERVER_IP COUNT PORT [RATE]             -> "sent DATAGRAMS in SECONDS"
// The spray mode sends one small UDP datagram to each of COUNT Teredo addresses (server SERVER_IP,
// mapped 203.0.113.(i >> 16):(i & 0xffff) + 1), RATE per second at most (default: as fast as it
// can): a relay on the path holds a peer for each (scripts/bench-query fills a table this way).
// The sink stops SECONDS after its first datagram, or after 2 s without any once it got one, or
// after SECONDS + 10 s without any at all.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "proto/bytes.hpp"
#include "proto/checksum.hpp"
#include "proto/teredo_address.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kBatch = 64;

int usage() {
  std::fprintf(
      stderr,
      "usage: teredo-udpblast send DEST_V6 PORT PAYLOAD_BYTES SECONDS\n"
      "       teredo-udpblast recv PORT SECONDS\n"
      "       teredo-udpblast teredo RELAY_IP RELAY_PORT SERVER_IP LOCAL_IP PEERS DEST_V6 PORT PAYLOAD_BYTES "
      "SECONDS\n"
      "       teredo-udpblast spray SERVER_IP COUNT PORT [RATE]\n");
  return 2;
}

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

int do_send(const char* dest, int port, std::size_t size, double seconds, bool gso) {
  const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) return std::perror("socket"), 1;
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET6, dest, &sa.sin6_addr) != 1)
    return std::fprintf(stderr, "bad address %s\n", dest), 1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return std::perror("connect"), 1;
  const int sndbuf = 4 << 20;
  (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  std::size_t per_msg = 1;
  if (gso) {
    per_msg = std::min<std::size_t>(64, 64000 / size);
    const int seg = static_cast<int>(size);
    if (::setsockopt(fd, SOL_UDP, UDP_SEGMENT, &seg, sizeof seg) != 0) return std::perror("UDP_SEGMENT"), 1;
  }
  std::vector<std::uint8_t> payload(size * per_msg, 0x5a);
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> msgs{};
  for (std::size_t i = 0; i < kBatch; ++i) {
    iov[i] = iovec{payload.data(), payload.size()};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  const auto end =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  unsigned long long sent = 0;
  while (Clock::now() < end) {
    const int n = ::sendmmsg(fd, msgs.data(), gso ? 4 : kBatch, 0);
    if (n > 0) sent += static_cast<unsigned long long>(n) * per_msg;
    // ECONNREFUSED (an ICMP error from a previous datagram), ENOBUFS: keep going.
  }
  std::printf("sent %llu\n", sent);
  return 0;
}

int do_recv(int port, double seconds) {
  const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) return std::perror("socket"), 1;
  const int rcvbuf = 8 << 20;
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
  timeval tv{0, 200000};
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(static_cast<std::uint16_t>(port));
  sa.sin6_addr = in6addr_any;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return std::perror("bind"), 1;
  std::printf("listening\n");
  std::fflush(stdout);
  std::vector<std::uint8_t> buf(kBatch * 2048);
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> msgs{};
  unsigned long long packets = 0, bytes = 0;
  const auto start = Clock::now();
  Clock::time_point first{}, last{};
  const auto limit = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (;;) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      iov[i] = iovec{buf.data() + i * 2048, 2048};
      msgs[i].msg_hdr = msghdr{};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = ::recvmmsg(fd, msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
    const auto now = Clock::now();
    if (n > 0) {
      if (packets == 0) first = now;
      last = now;
      packets += static_cast<unsigned long long>(n);
      for (int i = 0; i < n; ++i) bytes += msgs[static_cast<std::size_t>(i)].msg_len;
    }
    if (packets != 0 && (now - first >= limit || now - last >= std::chrono::seconds(2))) break;
    if (packets == 0 && now - start >= limit + std::chrono::seconds(10)) break;
  }
  const double span = packets ? std::chrono::duration<double>(last - first).count() : 0.0;
  std::printf("received %llu %llu %.6f\n", packets, bytes, span);
  return 0;
}

int do_teredo(const char* relay, int relay_port, const char* server, const char* local, int peers,
              const char* dest, int port, std::size_t size, double seconds) {
  using namespace teredo;
  in_addr relay_a{}, server_a{}, local_a{};
  in6_addr dest_a{};
  if (::inet_pton(AF_INET, relay, &relay_a) != 1 || ::inet_pton(AF_INET, server, &server_a) != 1 ||
      ::inet_pton(AF_INET, local, &local_a) != 1 || ::inet_pton(AF_INET6, dest, &dest_a) != 1 || peers < 1 ||
      size < 1 || size > 1400)
    return std::fprintf(stderr, "bad arguments\n"), 2;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(relay_port));
  to.sin_addr = relay_a;
  proto::Ipv6Addr dst;
  std::memcpy(dst.bytes.data(), &dest_a, 16);
  struct Peer {
    int fd;
    std::vector<std::uint8_t> datagram;
  };
  std::vector<Peer> all;
  for (int i = 0; i < peers; ++i) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return std::perror("socket"), 1;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr = local_a;
    socklen_t len = sizeof sa;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0)
      return std::perror("bind/connect"), 1;
    const int sndbuf = 1 << 20;
    (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    proto::TeredoAddress t;
    t.server = proto::Ipv4Addr{ntohl(server_a.s_addr)};
    t.mapped = proto::Endpoint{proto::Ipv4Addr{ntohl(local_a.s_addr)}, ntohs(sa.sin_port)};
    const proto::Ipv6Addr src = proto::build_teredo_address(t);
    std::vector<std::uint8_t> d(40 + 8 + size, 0x5a);
    d[0] = 0x60;
    proto::store_be16(d.data() + 4, static_cast<std::uint16_t>(8 + size));
    d[6] = 17;
    d[7] = 64;
    std::memcpy(d.data() + 8, src.bytes.data(), 16);
    std::memcpy(d.data() + 24, dst.bytes.data(), 16);
    std::uint8_t* udp = d.data() + 40;
    proto::store_be16(udp, static_cast<std::uint16_t>(40000 + i));
    proto::store_be16(udp + 2, static_cast<std::uint16_t>(port));
    proto::store_be16(udp + 4, static_cast<std::uint16_t>(8 + size));
    proto::store_be16(udp + 6, 0);
    std::uint16_t c = proto::ipv6_upper_checksum(src, dst, 17, proto::ByteView{udp, 8 + size});
    proto::store_be16(udp + 6, c == 0 ? 0xffff : c);
    all.push_back(Peer{fd, std::move(d)});
  }
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> msgs{};
  const auto end =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  unsigned long long sent = 0;
  for (std::size_t k = 0; Clock::now() < end; k = (k + 1) % all.size()) {
    Peer& p = all[k];
    for (std::size_t i = 0; i < kBatch; ++i) {
      iov[i] = iovec{p.datagram.data(), p.datagram.size()};
      msgs[i].msg_hdr = msghdr{};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = ::sendmmsg(p.fd, msgs.data(), kBatch, 0);
    if (n > 0) sent += static_cast<unsigned long long>(n);
  }
  std::printf("sent %llu\n", sent);
  return 0;
}

int do_spray(const char* server, long count, int port, double rate) {
  using namespace teredo;
  in_addr server_a{};
  if (::inet_pton(AF_INET, server, &server_a) != 1)
    return std::fprintf(stderr, "bad address %s\n", server), 1;
  if (count <= 0 || count > (255L << 16))
    return std::fprintf(stderr, "COUNT must be 1..%ld\n", 255L << 16), 1;
  const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) return std::perror("socket"), 1;
  const int sndbuf = 4 << 20;
  (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  std::array<std::uint8_t, 8> payload{'s', 'p', 'r', 'a', 'y', 0, 0, 0};
  std::array<sockaddr_in6, kBatch> to{};
  std::array<iovec, kBatch> iov{};
  std::array<mmsghdr, kBatch> msgs{};
  const auto start = Clock::now();
  long sent = 0;
  while (sent < count) {
    const std::size_t n = static_cast<std::size_t>(std::min<long>(kBatch, count - sent));
    for (std::size_t k = 0; k < n; ++k) {
      const auto i = static_cast<std::uint32_t>(sent) + static_cast<std::uint32_t>(k);
      proto::TeredoAddress t;
      t.server = proto::Ipv4Addr{ntohl(server_a.s_addr)};
      t.mapped = proto::Endpoint{proto::make_ipv4(203, 0, 113, static_cast<std::uint8_t>(i >> 16)),
                                 static_cast<std::uint16_t>((i & 0xffff) + 1)};
      const proto::Ipv6Addr a = proto::build_teredo_address(t);
      to[k] = sockaddr_in6{};
      to[k].sin6_family = AF_INET6;
      to[k].sin6_port = htons(static_cast<std::uint16_t>(port));
      std::memcpy(&to[k].sin6_addr, a.bytes.data(), 16);
      iov[k] = iovec{payload.data(), payload.size()};
      msgs[k].msg_hdr = msghdr{};
      msgs[k].msg_hdr.msg_name = &to[k];
      msgs[k].msg_hdr.msg_namelen = sizeof to[k];
      msgs[k].msg_hdr.msg_iov = &iov[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
    }
    const int r = ::sendmmsg(fd, msgs.data(), static_cast<unsigned>(n), 0);
    if (r <= 0) {
      ::usleep(100);  // a full queue: let it drain
      continue;
    }
    sent += r;
    if (rate > 0) {
      const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(sent) / rate));
      while (Clock::now() < due) ::usleep(50);
    }
  }
  std::printf("sent %ld in %.2f\n", sent, std::chrono::duration<double>(Clock::now() - start).count());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string mode = argv[1];
  if (mode == "send" && (argc == 6 || (argc == 7 && std::string(argv[6]) == "gso")))
    return do_send(argv[2], std::atoi(argv[3]), static_cast<std::size_t>(std::atol(argv[4])),
                   std::atof(argv[5]), argc == 7);
  if (mode == "recv" && argc == 4) return do_recv(std::atoi(argv[2]), std::atof(argv[3]));
  if (mode == "teredo" && argc == 11)
    return do_teredo(argv[2], std::atoi(argv[3]), argv[4], argv[5], std::atoi(argv[6]), argv[7],
                     std::atoi(argv[8]), static_cast<std::size_t>(std::atol(argv[9])), std::atof(argv[10]));
  if (mode == "spray" && (argc == 5 || argc == 6))
    return do_spray(argv[2], std::atol(argv[3]), std::atoi(argv[4]), argc == 6 ? std::atof(argv[5]) : 0.0);
  return usage();
}
