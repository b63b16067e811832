// teredo-udpblast: UDP/IPv6 load generator and counting sink for scripts/bench. The sender is
// fast enough not to be the limit of a tunnel (sendmmsg, 64 datagrams a call, blocking socket);
// the sink counts datagrams actually delivered (recvmmsg) and prints them.
//
//   teredo-udpblast send DEST_V6 PORT PAYLOAD_BYTES SECONDS [gso]   -> "sent PACKETS"
// With "gso" each message carries up to 64 datagrams (UDP_SEGMENT), as QUIC stacks send.
//   teredo-udpblast recv PORT SECONDS                          -> "received PACKETS BYTES SECONDS_FIRST_TO_LAST"
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

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kBatch = 64;

int usage() {
  std::fprintf(stderr,
               "usage: teredo-udpblast send DEST_V6 PORT PAYLOAD_BYTES SECONDS\n"
               "       teredo-udpblast recv PORT SECONDS\n");
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
  if (::inet_pton(AF_INET6, dest, &sa.sin6_addr) != 1) return std::fprintf(stderr, "bad address %s\n", dest), 1;
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
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string mode = argv[1];
  if (mode == "send" && (argc == 6 || (argc == 7 && std::string(argv[6]) == "gso")))
    return do_send(argv[2], std::atoi(argv[3]), static_cast<std::size_t>(std::atol(argv[4])), std::atof(argv[5]),
                   argc == 7);
  if (mode == "recv" && argc == 4) return do_recv(std::atoi(argv[2]), std::atof(argv[3]));
  return usage();
}
