// SPDX-License-Identifier: GPL-2.0-or-later
// The Linux TUN device (/dev/net/tun) carrying bare IPv6 packets: IFF_TUN | IFF_NO_PI, so no
// 4-byte packet-information header (unlike Miredo, miredo-behaviour.md 7), and IFF_VNET_HDR: every
// read and write carries a 10-byte virtio_net_hdr, which lets the kernel hand over TCP/UDP
// super-packets with partial checksums once enable_offloads() turned them on. Without
// enable_offloads() the header is always empty (the kernel segments and checksums everything).
// Non-blocking, CLOEXEC.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "os/fd.hpp"
#include "os/os_result.hpp"
#include "proto/bytes.hpp"
#include "proto/offload.hpp"

namespace teredo::os {

/// Linux interface names are at most IFNAMSIZ - 1 = 15 bytes.
inline constexpr std::size_t kMaxInterfaceName = 15;

/// The offloads the kernel accepted for a TUN device (TUNSETOFFLOAD).
struct TunOffloads {
  bool csum = false;  // TUN_F_CSUM: packets may come with a partial L4 checksum
  bool tso6 = false;  // TUN_F_TSO6: TCP/IPv6 super-packets up to 64 KiB
  bool uso6 = false;  // TUN_F_USO4 | TUN_F_USO6 (Linux 6.2+): UDP/IPv6 super-packets
  bool any() const { return csum || tso6 || uso6; }
};

/// One non-persistent TUN interface: it exists while this object (its descriptor) is alive, and
/// the kernel deletes it, with its addresses and routes, when the descriptor is closed. Opening
/// needs CAP_NET_ADMIN; reading and writing keep working after privileges are dropped.
/// Thread-compatible: one thread reads and writes.
class TunDevice {
 public:
  /// Largest packet a read can return once offloads are on (a 64 KiB super-packet).
  static constexpr std::size_t kMaxSuperPacket = 65535 + 40;

  /// Creates the interface `name` (TUNSETIFF with IFF_TUN_EXCL). Fails with EBUSY if an
  /// interface of that name already exists, a free persistent TUN device included: a device left
  /// behind (TUNSETPERSIST, which the workers' seccomp filter denies) is never re-attached.
  /// With `multi_queue` (IFF_MULTI_QUEUE) further queues can be attached (open_queue) and the
  /// kernel spreads outgoing packets over them (by flow, or by a steering program).
  static OsResult<TunDevice> open(const std::string& name, bool multi_queue = false);

  /// A device over a descriptor that already speaks this framing (a virtio_net_hdr before every
  /// packet, one packet per read and write), e.g. one end of a SOCK_SEQPACKET socketpair standing
  /// in for /dev/net/tun in the data path's tests. No offload can be enabled on it.
  static TunDevice adopt(Fd fd, std::string name) { return TunDevice(std::move(fd), std::move(name), false); }

  /// Attaches one more queue to this multi-queue interface (needs CAP_NET_ADMIN): a descriptor
  /// of its own, same name and flags; offloads are device-wide.
  OsResult<TunDevice> open_queue() const;

  int fd() const { return fd_.get(); }
  /// The name the kernel gave the interface.
  const std::string& name() const { return name_; }

  /// Asks the kernel for checksum offload, then TSO6 and USO6 (each optional: `tso6`/`uso6`
  /// false skip them). Probes by trying the richest set first and falling back, since the kernel
  /// rejects flags it does not know (EINVAL). Returns what the kernel accepted (nothing if it
  /// refused even TUN_F_CSUM). Does not need privileges.
  TunOffloads enable_offloads(bool tso6, bool uso6);
  const TunOffloads& offloads() const { return offloads_; }

  /// Reads one packet into `buf` without blocking, and how the kernel describes it (gso type,
  /// partial checksum) into `info`. nullopt when nothing is pending; an OsError for real
  /// failures. A packet larger than `buf` is truncated by the kernel (the caller sizes `buf` to
  /// the interface MTU, or kMaxSuperPacket once offloads are on).
  OsResult<std::optional<std::size_t>> read(proto::MutableBytes buf, proto::OffloadInfo& info);
  /// As above, without offload information (only valid while offloads are off).
  OsResult<std::optional<std::size_t>> read(proto::MutableBytes buf) {
    proto::OffloadInfo info;
    return read(buf, info);
  }

  /// Writes one IPv6 packet (one writev(2)) with an empty virtio header: a complete packet.
  OsStatus write(proto::ByteView packet) { return write(packet, proto::OffloadInfo{}); }
  /// Writes one packet described by `info`: for gso TcpV6 a super-packet the kernel treats as
  /// GRO output (hdr_len is derived from the TCP header), needs_checksum for a partial checksum.
  OsStatus write(proto::ByteView packet, const proto::OffloadInfo& info);

 private:
  static OsResult<TunDevice> attach(const std::string& name, bool multi_queue, bool exclusive);
  TunDevice(Fd fd, std::string name, bool multi_queue)
      : fd_(std::move(fd)), name_(std::move(name)), multi_queue_(multi_queue) {}
  Fd fd_;
  std::string name_;
  bool multi_queue_ = false;
  TunOffloads offloads_;
};

}  // namespace teredo::os
