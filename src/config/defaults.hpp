// SPDX-License-Identifier: GPL-2.0-or-later
// The programs' names and default paths: -c, -p, -u and -t defaults, the control sockets. One place,
// read by the daemons, teredod-checkconf and teredoctl.
#pragma once

namespace teredo::config {

inline constexpr const char* kTeredodProgram = "teredod";
inline constexpr const char* kDefaultTeredodConfig = "/etc/teredod/teredod.conf";
inline constexpr const char* kDefaultTeredodPidfile = "/run/teredod.pid";
inline constexpr const char* kDefaultTeredodUser = "nobody";
inline constexpr const char* kDefaultTeredodChroot = "/run/teredod/empty";
/// What a client keeps across restarts: the UPnP port mappings it may still hold on its IGD
/// (RFC 6081 5.3; roles/upnp_state.hpp), in kUpnpStatePrefix + InterfaceName (one file per
/// client of the host). A directory of root's, mode 0755, created if missing.
inline constexpr const char* kTeredodStateDir = "/var/lib/teredod";
inline constexpr const char* kUpnpStatePrefix = "upnp-";

inline constexpr const char* kServerProgram = "teredod-server";
inline constexpr const char* kDefaultServerConfig = "/etc/teredod/teredod-server.conf";
inline constexpr const char* kDefaultServerPidfile = "/run/teredod-server.pid";
inline constexpr const char* kDefaultServerUser = "nobody";
inline constexpr const char* kDefaultServerChroot = "/run/teredod-server/empty";

inline constexpr const char* kCheckconfProgram = "teredod-checkconf";
/// Miredo's files, which teredod-checkconf --miredo reviews by default.
inline constexpr const char* kDefaultMiredoConfig = "/etc/miredo/miredo.conf";
inline constexpr const char* kDefaultMiredoServerConfig = "/etc/miredo/miredo-server.conf";
/// Where Miredo's client runs its hook, always (miredo-behaviour.md 3); teredod only with HookScript.
inline constexpr const char* kMiredoClientHook = "/etc/miredo/client-hook";

/// Outside systemd (no $RUNTIME_DIRECTORY), each daemon's own directory under /run: the server's is
/// not the client's, as systemd gives each unit its own (ProtectSystem=strict leaves it alone writable).
inline constexpr const char* kDefaultTeredodControlSocket = "/run/teredod/teredod.sock";
inline constexpr const char* kDefaultServerControlSocket = "/run/teredod-server/teredod-server.sock";
/// The control sockets' file names: under systemd they go in the unit's $RUNTIME_DIRECTORY
/// (os/runtime_directory.hpp; /run/teredod@NAME/teredod.sock for an instance of teredod@.service).
inline constexpr const char* kTeredodControlSocketName = "teredod.sock";
inline constexpr const char* kServerControlSocketName = "teredod-server.sock";

}  // namespace teredo::config
