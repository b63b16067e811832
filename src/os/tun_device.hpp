// The Linux TUN device (/dev/net/tun) carrying bare IPv6 packets: IFF_TUN | IFF_NO_PI, so no
// 4-byte packet-information header (unlike Miredo, miredo-behaviour.md 7). Non-blocking, CLOEXEC.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "os/fd.hpp"
#include "os/os_result.hpp"
#include "proto/bytes.hpp"

namespace teredo::os {

/// Linux interface names are at most IFNAMSIZ - 1 = 15 bytes.
inline constexpr std::size_t kMaxInterfaceName = 15;

/// One non-persistent TUN interface: it exists while this object (its descriptor) is alive, and
/// the kernel deletes it, with its addresses and routes, when the descriptor is closed. Opening
/// needs CAP_NET_ADMIN; reading and writing keep working after privileges are dropped.
/// Thread-compatible: one thread reads and writes.
class TunDevice {
 public:
  /// Creates the interface `name` (TUNSETIFF, the only ioctl used). Fails with EBUSY if an
  /// interface of that name already exists and is not a free TUN device.
  static OsResult<TunDevice> open(const std::string& name);

  int fd() const { return fd_.get(); }
  /// The name the kernel gave the interface.
  const std::string& name() const { return name_; }

  /// Reads one packet into `buf` without blocking. nullopt when nothing is pending; an OsError
  /// for real failures. A packet larger than `buf` is truncated by the kernel (the caller sizes
  /// `buf` to at least the interface MTU: the kernel never hands the TUN a larger packet).
  OsResult<std::optional<std::size_t>> read(proto::MutableBytes buf);

  /// Writes one IPv6 packet (one write(2)).
  OsStatus write(proto::ByteView packet);

 private:
  TunDevice(Fd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}
  Fd fd_;
  std::string name_;
};

}  // namespace teredo::os
