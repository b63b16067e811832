// SPDX-License-Identifier: GPL-2.0-or-later
// TUN device creation, offload negotiation and packet I/O with virtio_net_hdr.
#include "os/tun_device.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace teredo::os {

namespace {

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif
// struct virtio_net_hdr from <linux/virtio_net.h> (which does not compile as C++: a field is
// named `class`), in native byte order as the TUN device uses it without TUNSETVNETBE/LE.
struct virtio_net_hdr {
  std::uint8_t flags;
  std::uint8_t gso_type;
  std::uint16_t hdr_len;
  std::uint16_t gso_size;
  std::uint16_t csum_start;
  std::uint16_t csum_offset;
};
static_assert(sizeof(virtio_net_hdr) == 10);
constexpr std::uint8_t VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
constexpr std::uint8_t VIRTIO_NET_HDR_GSO_NONE = 0;
constexpr std::uint8_t VIRTIO_NET_HDR_GSO_TCPV6 = 4;
constexpr std::uint8_t VIRTIO_NET_HDR_GSO_UDP_L4 = 5;
constexpr std::uint8_t VIRTIO_NET_HDR_GSO_ECN = 0x80;

proto::OffloadInfo from_vnet(const virtio_net_hdr& h) {
  proto::OffloadInfo info;
  switch (h.gso_type & static_cast<std::uint8_t>(~VIRTIO_NET_HDR_GSO_ECN)) {
    case VIRTIO_NET_HDR_GSO_TCPV6:
      info.gso = proto::GsoType::TcpV6;
      break;
    case VIRTIO_NET_HDR_GSO_UDP_L4:
      info.gso = proto::GsoType::UdpV6;
      break;
    case VIRTIO_NET_HDR_GSO_NONE:
      break;
    default:
      info.gso = proto::GsoType::UdpV6;
      info.gso_size = 0;
      return info;  // unsupported: refused later
  }
  info.gso_size = h.gso_size;
  info.needs_checksum = (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0;
  info.csum_start = h.csum_start;
  info.csum_offset = h.csum_offset;
  return info;
}

}  // namespace

OsResult<TunDevice> TunDevice::open(const std::string& name, bool multi_queue) {
  return attach(name, multi_queue, true);
}

OsResult<TunDevice> TunDevice::attach(const std::string& name, bool multi_queue, bool exclusive) {
  if (name.empty() || name.size() > kMaxInterfaceName) return errno_error("interface name", EINVAL);
  Fd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return errno_error("open(/dev/net/tun)");
  ifreq req{};
  req.ifr_flags = static_cast<short>(IFF_TUN | IFF_NO_PI | IFF_VNET_HDR |
                                     (multi_queue ? IFF_MULTI_QUEUE : 0) | (exclusive ? IFF_TUN_EXCL : 0));
  std::memcpy(req.ifr_name, name.data(), name.size());
  if (::ioctl(fd.get(), TUNSETIFF, &req) != 0) {
    if (errno == EBUSY && exclusive)
      return errno_error("ioctl(TUNSETIFF, IFF_TUN_EXCL): an interface of that name exists already", EBUSY);
    return errno_error("ioctl(TUNSETIFF)");
  }
  req.ifr_name[IFNAMSIZ - 1] = '\0';
  int hdr_size = sizeof(virtio_net_hdr);
  if (::ioctl(fd.get(), TUNSETVNETHDRSZ, &hdr_size) != 0) return errno_error("ioctl(TUNSETVNETHDRSZ)");
  return TunDevice(std::move(fd), std::string(req.ifr_name), multi_queue);
}

OsResult<TunDevice> TunDevice::open_queue() const {
  if (!multi_queue_) return errno_error("open_queue (single-queue device)", EINVAL);
  return attach(name_, true, false);  // the interface exists: this queue joins it
}

TunOffloads TunDevice::enable_offloads(bool tso6, bool uso6) {
  struct Attempt {
    unsigned flags;
    TunOffloads result;
  };
  const Attempt attempts[] = {
      {TUN_F_CSUM | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6, {true, true, true}},
      {TUN_F_CSUM | TUN_F_TSO6, {true, true, false}},
      {TUN_F_CSUM | TUN_F_USO4 | TUN_F_USO6, {true, false, true}},
      {TUN_F_CSUM, {true, false, false}},
  };
  offloads_ = TunOffloads{};
  for (const Attempt& a : attempts) {
    if ((a.result.tso6 && !tso6) || (a.result.uso6 && !uso6)) continue;
    if (::ioctl(fd_.get(), TUNSETOFFLOAD, static_cast<unsigned long>(a.flags)) == 0) {
      offloads_ = a.result;
      return offloads_;
    }
  }
  (void)::ioctl(fd_.get(), TUNSETOFFLOAD, 0UL);
  return offloads_;
}

OsResult<std::optional<std::size_t>> TunDevice::read(proto::MutableBytes buf, proto::OffloadInfo& info) {
  virtio_net_hdr hdr{};
  iovec iov[2] = {{&hdr, sizeof hdr}, {buf.data(), buf.size()}};
  for (;;) {
    const ssize_t n = ::readv(fd_.get(), iov, 2);
    if (n >= static_cast<ssize_t>(sizeof hdr)) {
      info = from_vnet(hdr);
      return std::optional<std::size_t>(static_cast<std::size_t>(n) - sizeof hdr);
    }
    if (n >= 0) {  // cannot happen with IFF_VNET_HDR; treat as an empty packet
      info = proto::OffloadInfo{};
      return std::optional<std::size_t>(std::size_t{0});
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<std::size_t>();
    return errno_error("read(tun)");
  }
}

OsStatus TunDevice::write(proto::ByteView packet, const proto::OffloadInfo& info) {
  virtio_net_hdr hdr{};
  if (info.needs_checksum) {
    hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    hdr.csum_start = info.csum_start;
    hdr.csum_offset = info.csum_offset;
  }
  if (info.gso == proto::GsoType::TcpV6 && packet.size() >= 40u + 20u) {
    hdr.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
    hdr.gso_size = info.gso_size;
    const std::size_t tcp_header = static_cast<std::size_t>(packet[40 + 12] >> 4) * 4;
    hdr.hdr_len = static_cast<std::uint16_t>(40 + tcp_header);
  } else if (info.gso == proto::GsoType::UdpV6) {
    hdr.gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
    hdr.gso_size = info.gso_size;
    hdr.hdr_len = 40 + 8;
  }
  iovec iov[2] = {{&hdr, sizeof hdr}, {const_cast<std::uint8_t*>(packet.data()), packet.size()}};
  for (;;) {
    const ssize_t n = ::writev(fd_.get(), iov, 2);
    if (n >= 0) return Ok{};
    if (errno != EINTR) return errno_error("write(tun)");
  }
}

}  // namespace teredo::os
