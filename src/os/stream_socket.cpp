// SPDX-License-Identifier: GPL-2.0-or-later
// Unix and TCP stream sockets for the control channel.
#include "os/stream_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace teredo::os {

namespace {

bool make_address(const std::string& path, sockaddr_un& sa) {
  sa = {};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) return false;
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  return true;
}

const sockaddr* as_sockaddr(const void* p) {
  return static_cast<const sockaddr*>(p);
}

}  // namespace

OsResult<Fd> listen_unix(const std::string& path, std::optional<unsigned> gid) {
  sockaddr_un sa{};
  if (!make_address(path, sa)) return errno_error("socket path too long", ENAMETOOLONG);
  // The directory (e.g. /run/teredod): create it if missing, root-owned, world-searchable.
  if (const auto slash = path.rfind('/'); slash != std::string::npos && slash > 0) {
    const std::string dir = path.substr(0, slash);
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
      if (errno != ENOENT || ::mkdir(dir.c_str(), 0755) != 0) return errno_error("mkdir(socket directory)");
    } else if (!S_ISDIR(st.st_mode)) {
      return errno_error("socket directory", ENOTDIR);
    }
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return errno_error("existing file is not a socket", ENOTSOCK);
    Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!probe) return errno_error("socket");
    if (::connect(probe.get(), as_sockaddr(&sa), sizeof sa) == 0)
      return errno_error("in use by another running process", EADDRINUSE);
    if (::unlink(path.c_str()) != 0) return errno_error("unlink(stale socket)");
  }
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return errno_error("socket");
  // The file is born with its final owner and mode: root:root 0600, or root:GROUP 0660 (created
  // under that effective group: no CAP_CHOWN needed, no window with wider access).
  if (gid && ::setegid(static_cast<gid_t>(*gid)) != 0) return errno_error("setegid(ControlGroup)");
  const mode_t old_mask = ::umask(gid ? 0117 : 0177);
  const int rc = ::bind(fd.get(), as_sockaddr(&sa), sizeof sa);
  const int bind_errno = errno;
  ::umask(old_mask);
  if (gid && ::setegid(::getgid()) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    return errno_error("setegid", err);
  }
  if (rc != 0) return errno_error("bind", bind_errno);
  if (::listen(fd.get(), 16) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    return errno_error("listen", err);
  }
  return fd;
}

void remove_socket_file(const std::string& path) {
  (void)::unlink(path.c_str());
}

OsResult<Fd> listen_tcp(const ListenAddress& at) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET6;
  if (const auto* v4 = std::get_if<proto::Ipv4Addr>(&at.host)) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(v4->value);
    a->sin_port = htons(at.port);
    family = AF_INET;
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    if (const auto* v6 = std::get_if<proto::Ipv6Addr>(&at.host))
      std::memcpy(&a->sin6_addr, v6->bytes.data(), v6->bytes.size());
    else
      a->sin6_addr = in6addr_any;
    a->sin6_port = htons(at.port);
    len = sizeof *a;
  }
  Fd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return errno_error("socket");
  const int one = 1, zero = 0;
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (std::holds_alternative<std::monostate>(at.host))
    (void)::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if (::bind(fd.get(), as_sockaddr(&ss), len) != 0) return errno_error("bind");
  if (::listen(fd.get(), 64) != 0) return errno_error("listen");
  return fd;
}

OsResult<Fd> connect_unix(const std::string& path) {
  sockaddr_un sa{};
  if (!make_address(path, sa)) return errno_error("socket path too long", ENAMETOOLONG);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error("socket");
  if (::connect(fd.get(), as_sockaddr(&sa), sizeof sa) != 0) return errno_error("connect");
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0)
    return errno_error("fcntl(O_NONBLOCK)");
  return fd;
}

OsResult<std::optional<Fd>> accept_connection(const Fd& listener) {
  for (;;) {
    Fd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (conn) return std::optional<Fd>(std::move(conn));
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == ECONNABORTED || errno == EPROTO) return std::optional<Fd>();
    return errno_error("accept4");
  }
}

std::optional<PeerCredentials> peer_credentials(const Fd& connection) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(connection.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred)
    return std::nullopt;
  return PeerCredentials{cred.pid, cred.uid, cred.gid};
}

OsResult<std::optional<std::size_t>> read_some(const Fd& fd, std::span<char> buf) {
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
    if (n >= 0) return std::optional<std::size_t>(static_cast<std::size_t>(n));
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return std::optional<std::size_t>();
    return errno_error("recv");
  }
}

OsResult<std::optional<std::size_t>> write_some(const Fd& fd, std::span<const char> data) {
  for (;;) {
    const ssize_t n = ::send(fd.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) return std::optional<std::size_t>(static_cast<std::size_t>(n));
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return std::optional<std::size_t>();
    return errno_error("send");
  }
}

void shutdown_write(const Fd& fd) {
  (void)::shutdown(fd.get(), SHUT_WR);
}

}  // namespace teredo::os
