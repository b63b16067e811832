// SPDX-License-Identifier: GPL-2.0-or-later
// A UPnP Internet Gateway Device (RFC 6081 5.3) through libminiupnpc, loaded with dlopen in the
// short-lived process that talks to the IGD (roles/upnp_child.hpp) and nowhere else: no other
// process of the daemon maps the library or parses the IGD's XML and HTTP. The calls are
// miniupnpc's: SSDP discovery, then SOAP AddPortMapping, GetExternalIPAddress, DeletePortMapping.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "os/os_result.hpp"
#include "proto/ipv4.hpp"

namespace teredo::os {

/// A UPnP error code (402, 606, 714, 718...) or one of miniupnpc's negative codes (-1 unknown,
/// -2 invalid arguments, -3 HTTP error, -4 invalid response, -5 memory); 0 is success.
using UpnpCode = int;

class UpnpGateway;

/// The library. Load it before chroot (it lives outside); its calls then need only sockets.
class UpnpLibrary {
 public:
  /// dlopen("libminiupnpc.so.N", N the API version of the headers built against) and its
  /// symbols. ENOENT when the library or a symbol is missing.
  static OsResult<UpnpLibrary> load();

  /// What discovery found: a gateway, or why not (`code`: miniupnpc's discovery error, or
  /// UPNP_GetValidIGD's 0 "no IGD" / 3 "a UPnP device, not an IGD").
  struct Discovery {
    std::unique_ptr<UpnpGateway> gateway;
    int code = 0;
  };
  /// SSDP search for an IGD (one round for every search target, answers awaited `wait`), sent
  /// on the interface of `interface_address`; then the first valid IGD's description. An IGD
  /// that reports itself not connected is taken (its answers decide).
  Discovery discover(std::chrono::milliseconds wait, proto::Ipv4Addr interface_address) const;

  struct Functions;  // the resolved symbols (upnp_igd.cpp)

 private:
  explicit UpnpLibrary(const Functions* f) : f_(f) {}
  const Functions* f_;
};

/// One IGD's WAN connection service.
class UpnpGateway {
 public:
  ~UpnpGateway();
  UpnpGateway(const UpnpGateway&) = delete;
  UpnpGateway& operator=(const UpnpGateway&) = delete;

  /// AddPortMapping(NewRemoteHost "", NewExternalPort = NewInternalPort = port, "UDP",
  /// NewInternalClient = client, NewEnabled 1, `description`, NewLeaseDuration 0).
  UpnpCode add_udp_mapping(std::uint16_t port, proto::Ipv4Addr client, const char* description) const;
  /// GetExternalIPAddress: the address, or the code when it fails or is not an IPv4 address.
  struct External {
    std::optional<proto::Ipv4Addr> address;
    UpnpCode code = 0;
  };
  External external_address() const;
  /// DeletePortMapping(NewRemoteHost "", NewExternalPort = port, "UDP").
  UpnpCode delete_udp_mapping(std::uint16_t port) const;

 private:
  friend class UpnpLibrary;
  struct State;  // miniupnpc's UPNPUrls and IGDdatas
  UpnpGateway(const UpnpLibrary::Functions* f, std::unique_ptr<State> s);
  const UpnpLibrary::Functions* f_;
  std::unique_ptr<State> s_;
};

}  // namespace teredo::os
