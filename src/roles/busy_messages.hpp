// SPDX-License-Identifier: GPL-2.0-or-later
// What a start that finds its interface or its UDP port taken says, in words: most often Miredo
// (or another teredod) still runs with them, which a bare "Device or resource busy" or "Address
// already in use" does not tell.
#pragma once

#include <string>
#include <string_view>

#include "os/os_result.hpp"
#include "proto/ipv4.hpp"

namespace teredo::roles {

/// Why the TUN interface `name` could not be created: for EBUSY, that another process holds it
/// (is Miredo running?) or left it behind (how to remove it); otherwise the error as it is.
std::string tun_failure(const std::string& name, const os::OsError& error);

/// Why a UDP socket on `local` could not be opened: for EADDRINUSE, that another process has the
/// port (is `other` running?, e.g. "Miredo" or "miredo-server"); otherwise the error as it is.
std::string udp_failure(const proto::Endpoint& local, const os::OsError& error, std::string_view other);

}  // namespace teredo::roles
