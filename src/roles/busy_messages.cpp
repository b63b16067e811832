// SPDX-License-Identifier: GPL-2.0-or-later
// Start-up messages for a busy interface or port (busy_messages.hpp).
#include "roles/busy_messages.hpp"

#include <cerrno>

#include "os/net_text.hpp"

namespace teredo::roles {

std::string tun_failure(const std::string& name, const os::OsError& error) {
  if (error.code.value() != EBUSY) return error.message();
  return "the interface " + name +
         " is in use by another process (is Miredo running?), or an interface of that name exists "
         "already (remove it with: ip link delete " +
         name + "; or choose another InterfaceName)";
}

std::string udp_failure(const proto::Endpoint& local, const os::OsError& error, std::string_view other) {
  if (error.code.value() != EADDRINUSE) return error.message();
  return "UDP port " + std::to_string(local.port) + " on " + os::to_string(local.addr) +
         " is in use by another process (is " + std::string(other) + " running?)";
}

}  // namespace teredo::roles
