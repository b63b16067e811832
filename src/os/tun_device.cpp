// TUN device creation and packet I/O.
#include "os/tun_device.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace teredo::os {

OsResult<TunDevice> TunDevice::open(const std::string& name) {
  if (name.empty() || name.size() > kMaxInterfaceName) return errno_error("interface name", EINVAL);
  Fd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return errno_error("open(/dev/net/tun)");
  ifreq req{};
  req.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::memcpy(req.ifr_name, name.data(), name.size());
  if (::ioctl(fd.get(), TUNSETIFF, &req) != 0) return errno_error("ioctl(TUNSETIFF)");
  req.ifr_name[IFNAMSIZ - 1] = '\0';
  return TunDevice(std::move(fd), std::string(req.ifr_name));
}

OsResult<std::optional<std::size_t>> TunDevice::read(proto::MutableBytes buf) {
  for (;;) {
    const ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
    if (n >= 0) return std::optional<std::size_t>(static_cast<std::size_t>(n));
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<std::size_t>();
    return errno_error("read(tun)");
  }
}

OsStatus TunDevice::write(proto::ByteView packet) {
  for (;;) {
    const ssize_t n = ::write(fd_.get(), packet.data(), packet.size());
    if (n >= 0) return Ok{};
    if (errno != EINTR) return errno_error("write(tun)");
  }
}

}  // namespace teredo::os
