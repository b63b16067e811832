// SPDX-License-Identifier: GPL-2.0-or-later
// Stream sockets for the control channel: a Unix socket file created in its final owner and mode,
// a TCP listener for the metrics endpoint, connecting to a Unix socket (teredoctl), and
// non-blocking accept, read and write on the connections.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "os/fd.hpp"
#include "os/os_result.hpp"
#include "proto/ipv4.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::os {

/// Creates, binds and listens on a Unix stream socket at `path` (non-blocking, close-on-exec):
/// root:root 0600, or root:`gid` 0660 when `gid` is set (bound under that effective group: needs
/// CAP_SETGID, not CAP_CHOWN; no window with wider access). The directory is created (0755) if
/// missing. A stale socket file (nobody accepts on it) is replaced; a live one is an error
/// (EADDRINUSE), as is a file that is not a socket (ENOTSOCK).
OsResult<Fd> listen_unix(const std::string& path, std::optional<unsigned> gid);

/// Removes the socket file at `path` (best effort: fails once privileges are dropped).
void remove_socket_file(const std::string& path);

/// Where a TCP listener binds (MetricsListen, parsed by config/control_settings.hpp).
struct ListenAddress {
  /// An IPv4 or an IPv6 address; monostate: every address of both families ("*").
  std::variant<std::monostate, proto::Ipv4Addr, proto::Ipv6Addr> host;
  std::uint16_t port = 0;
};

/// Listens on TCP `at`, non-blocking, close-on-exec, SO_REUSEADDR.
OsResult<Fd> listen_tcp(const ListenAddress& at);

/// Connects to the Unix stream socket at `path` (blocking connect); the socket is then
/// non-blocking. Errors: ENOENT (no such socket), ECONNREFUSED (nobody listens), EACCES...
OsResult<Fd> connect_unix(const std::string& path);

/// Accepts one pending connection (non-blocking, close-on-exec); nullopt when none is pending.
/// EMFILE, ENFILE, ENOBUFS and ENOMEM are errors the caller should back off from.
OsResult<std::optional<Fd>> accept_connection(const Fd& listener);

/// Who is at the other end of a Unix stream socket (SO_PEERCRED, as of connect).
struct PeerCredentials {
  int pid = 0;
  unsigned uid = 0;
  unsigned gid = 0;
};
std::optional<PeerCredentials> peer_credentials(const Fd& connection);

/// Reads what is available without blocking: the byte count (0: the peer closed), or nullopt
/// when nothing is there yet.
OsResult<std::optional<std::size_t>> read_some(const Fd& fd, std::span<char> buf);

/// Writes what the socket takes without blocking (never raises SIGPIPE): the byte count, or
/// nullopt when the send buffer is full.
OsResult<std::optional<std::size_t>> write_some(const Fd& fd, std::span<const char> data);

/// Half-closes the connection's sending side (the peer reads EOF).
void shutdown_write(const Fd& fd);

}  // namespace teredo::os
