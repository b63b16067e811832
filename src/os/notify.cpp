// SPDX-License-Identifier: GPL-2.0-or-later
// systemd's notification protocol, written from its documentation (sd_notify(3), "Standalone
// Implementations"): the state is one datagram of "VARIABLE=value" lines sent to the AF_UNIX
// socket in $NOTIFY_SOCKET, a filesystem path or, with a leading '@', an abstract name. No
// libsystemd: no build dependency, and nothing it drags in (libgcrypt, libzstd, liblzma, liblz4)
// mapped in the daemons.
#include "os/notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "os/fd.hpp"

namespace teredo::os {

bool notify_socket_send(const std::string& socket_address, std::string_view state) {
  if (socket_address.empty()) return true;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  // '@name' is the abstract name "\0name"; anything else must be an absolute path.
  const bool abstract = socket_address[0] == '@';
  if (!abstract && socket_address[0] != '/') return false;  // vsock: and other forms: not here
  if (socket_address.size() >= sizeof(sa.sun_path)) return false;
  std::memcpy(sa.sun_path, socket_address.data(), socket_address.size());
  if (abstract) sa.sun_path[0] = '\0';
  const auto length =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_address.size() + (abstract ? 0 : 1));
  const Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  ssize_t sent = 0;
  do {
    sent = ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
                    reinterpret_cast<const sockaddr*>(&sa), length);
  } while (sent < 0 && errno == EINTR);
  return sent == static_cast<ssize_t>(state.size());
}

bool notify_service_manager(std::string_view state) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  if (socket == nullptr || *socket == '\0') return true;  // as sd_notify: nothing to do outside systemd
  return notify_socket_send(socket, state);
}

unsigned long long watchdog_interval_usec() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (usec == nullptr || *usec == '\0') return 0;
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr && *pid != '\0') {
    char* end = nullptr;
    const long long p = std::strtoll(pid, &end, 10);
    if (end == pid || *end != '\0' || p != static_cast<long long>(::getpid())) return 0;
  }
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(usec, &end, 10);
  if (end == usec || *end != '\0' || errno != 0) return 0;
  return v;
}

}  // namespace teredo::os
