// SPDX-License-Identifier: GPL-2.0-or-later
// libminiupnpc through dlopen (upnp_igd.hpp): typed by miniupnpc's own headers (libminiupnpc-dev),
// resolved with dlsym from the library of the same API version; the handle stays open for the
// (short) life of the process.
#include "os/upnp_igd.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace teredo::os {

namespace {

#define TEREDO_STRINGIFY2(x) #x
#define TEREDO_STRINGIFY(x) TEREDO_STRINGIFY2(x)
// The soname that matches the headers' API (the calls' signatures change with it).
constexpr const char* kLibraryName = "libminiupnpc.so." TEREDO_STRINGIFY(MINIUPNPC_API_VERSION);
#undef TEREDO_STRINGIFY
#undef TEREDO_STRINGIFY2

// Every search target answers in one round (searchalltypes): an IGD:2 answers IGD:1 too.
constexpr const char* kSearchTargets[] = {
    "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
    "urn:schemas-upnp-org:service:WANIPConnection:1",
    "urn:schemas-upnp-org:service:WANPPPConnection:1",
    "upnp:rootdevice",
    nullptr,
};
constexpr unsigned char kSsdpTtl = 2;  // miniupnpc's default: the LAN and one router

template <class F>
bool resolve(void* lib, const char* name, F& out) {
  out = reinterpret_cast<F>(::dlsym(lib, name));
  return out != nullptr;
}

}  // namespace

struct UpnpLibrary::Functions {
  decltype(&::upnpDiscoverDevices) discover = nullptr;
  decltype(&::freeUPNPDevlist) free_devices = nullptr;
  decltype(&::UPNP_GetValidIGD) valid_igd = nullptr;
  decltype(&::FreeUPNPUrls) free_urls = nullptr;
  decltype(&::UPNP_AddPortMapping) add = nullptr;
  decltype(&::UPNP_GetExternalIPAddress) external = nullptr;
  decltype(&::UPNP_DeletePortMapping) remove = nullptr;
};

struct UpnpGateway::State {
  UPNPUrls urls{};
  IGDdatas data{};
};

OsResult<UpnpLibrary> UpnpLibrary::load() {
  static Functions f;  // one library per process
  if (f.remove == nullptr) {
    void* lib = ::dlopen(kLibraryName, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) return errno_error("dlopen(libminiupnpc)", ENOENT);
    Functions g;
    if (!resolve(lib, "upnpDiscoverDevices", g.discover) ||
        !resolve(lib, "freeUPNPDevlist", g.free_devices) || !resolve(lib, "UPNP_GetValidIGD", g.valid_igd) ||
        !resolve(lib, "FreeUPNPUrls", g.free_urls) || !resolve(lib, "UPNP_AddPortMapping", g.add) ||
        !resolve(lib, "UPNP_GetExternalIPAddress", g.external) ||
        !resolve(lib, "UPNP_DeletePortMapping", g.remove))
      return errno_error("dlsym(libminiupnpc)", ENOENT);
    f = g;
  }
  return UpnpLibrary(&f);
}

UpnpLibrary::Discovery UpnpLibrary::discover(std::chrono::milliseconds wait,
                                             proto::Ipv4Addr interface_address) const {
  Discovery out;
  in_addr a{};
  a.s_addr = htonl(interface_address.value);
  char interface_text[INET_ADDRSTRLEN] = {};
  const bool have_interface = interface_address.value != 0 &&
                              ::inet_ntop(AF_INET, &a, interface_text, sizeof interface_text) != nullptr;
  int error = 0;
  UPNPDev* devices =
      f_->discover(kSearchTargets, static_cast<int>(wait.count()), have_interface ? interface_text : nullptr,
                   nullptr, UPNP_LOCAL_PORT_ANY, 0, kSsdpTtl, &error, 1);
  if (devices == nullptr) {
    out.code = error;
    return out;
  }
  auto state = std::make_unique<UpnpGateway::State>();
  char lan_address[INET_ADDRSTRLEN] = {};
  const int found = f_->valid_igd(devices, &state->urls, &state->data, lan_address, sizeof lan_address);
  f_->free_devices(devices);
  // 1: a connected IGD; 2: an IGD that says it is not connected (as miniupnpd does behind an
  // upstream NAT, docs/decisions.md): AddPortMapping and GetExternalIPAddress decide.
  if (found == 1 || found == 2) {
    out.gateway.reset(new UpnpGateway(f_, std::move(state)));
    return out;
  }
  if (found != 0) f_->free_urls(&state->urls);
  out.code = found;
  return out;
}

UpnpGateway::UpnpGateway(const UpnpLibrary::Functions* f, std::unique_ptr<State> s)
    : f_(f), s_(std::move(s)) {}

UpnpGateway::~UpnpGateway() {
  f_->free_urls(&s_->urls);
}

UpnpCode UpnpGateway::add_udp_mapping(std::uint16_t port, proto::Ipv4Addr client,
                                      const char* description) const {
  in_addr a{};
  a.s_addr = htonl(client.value);
  char client_text[INET_ADDRSTRLEN] = {};
  if (::inet_ntop(AF_INET, &a, client_text, sizeof client_text) == nullptr) return UPNPCOMMAND_INVALID_ARGS;
  const std::string p = std::to_string(port);
  return f_->add(s_->urls.controlURL, s_->data.first.servicetype, p.c_str(), p.c_str(), client_text,
                 description, "UDP", nullptr, "0");
}

UpnpGateway::External UpnpGateway::external_address() const {
  External out;
  char text[40] = {};  // miniupnpc writes at most 16 bytes
  out.code = f_->external(s_->urls.controlURL, s_->data.first.servicetype, text);
  if (out.code != UPNPCOMMAND_SUCCESS) return out;
  in_addr a{};
  if (::inet_pton(AF_INET, text, &a) != 1) {
    out.code = UPNPCOMMAND_INVALID_RESPONSE;
    return out;
  }
  out.address = proto::Ipv4Addr{ntohl(a.s_addr)};
  return out;
}

UpnpCode UpnpGateway::delete_udp_mapping(std::uint16_t port) const {
  const std::string p = std::to_string(port);
  return f_->remove(s_->urls.controlURL, s_->data.first.servicetype, p.c_str(), "UDP", nullptr);
}

}  // namespace teredo::os
