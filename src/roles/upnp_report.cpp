// SPDX-License-Identifier: GPL-2.0-or-later
// The UPnP child's report (upnp_report.hpp).
#include "roles/upnp_report.hpp"

#include <cstring>
#include <utility>

#include "os/net_text.hpp"

namespace teredo::roles {

namespace {

bool known(std::uint8_t outcome) {
  return outcome >= static_cast<std::uint8_t>(IgdOutcome::Mapped) &&
         outcome <= static_cast<std::uint8_t>(IgdOutcome::SetupFailed);
}

// Whether `r` fits its outcome and the run that was asked.
bool consistent(const IgdReport& r, std::uint16_t asked_port) {
  const bool maps = asked_port != 0;
  const bool port_zero_or_asked = r.port == 0 || r.port == asked_port;
  switch (static_cast<IgdOutcome>(r.outcome)) {
    case IgdOutcome::Mapped:
      return maps && r.port == asked_port && r.code == 0 &&
             proto::is_global_unicast(proto::Ipv4Addr{r.external});
    case IgdOutcome::Released:
      return !maps && r.port == 0 && r.external == 0 && r.code == 0;
    case IgdOutcome::NoGateway:
    case IgdOutcome::NoLibrary:
    case IgdOutcome::SetupFailed:
      return r.port == 0 && r.external == 0 && r.stale_deleted == 0;
    case IgdOutcome::AddRefused:
      return maps && r.port == 0 && r.external == 0 && r.code != 0;
    case IgdOutcome::NoExternalAddress:
      return maps && port_zero_or_asked && r.external == 0 && r.code != 0;
    case IgdOutcome::NotGlobal:
      return maps && port_zero_or_asked && !proto::is_global_unicast(proto::Ipv4Addr{r.external});
  }
  return false;
}

// miniupnpc's own codes (upnpcommands.h, miniupnpc.h) and the UPnP errors of AddPortMapping,
// GetExternalIPAddress and DeletePortMapping (UPnP-gw-WANIPConnection).
constexpr std::pair<std::int32_t, const char*> kCodeNames[] = {
    {-1, "unknown error"},
    {-2, "invalid arguments"},
    {-3, "HTTP error"},
    {-4, "invalid response"},
    {-5, "out of memory"},
    {-101, "socket error"},
    {401, "Invalid Action"},
    {402, "Invalid Args"},
    {501, "Action Failed"},
    {606, "Action not authorized"},
    {714, "NoSuchEntryInArray"},
    {715, "WildCardNotPermittedInSrcIP"},
    {716, "WildCardNotPermittedInExtPort"},
    {718, "ConflictInMappingEntry"},
    {724, "SamePortValuesRequired"},
    {725, "OnlyPermanentLeasesSupported"},
    {726, "RemoteHostOnlySupportsWildcard"},
    {727, "ExternalPortOnlySupportsWildcard"},
    {728, "NoPortMapsAvailable"},
    {729, "ConflictWithOtherMechanisms"},
    {732, "WildCardNotPermittedInIntPort"},
};

}  // namespace

std::array<std::uint8_t, sizeof(IgdReport)> encode_igd_report(const IgdReport& r) {
  std::array<std::uint8_t, sizeof(IgdReport)> out{};
  std::memcpy(out.data(), &r, sizeof r);
  return out;
}

std::optional<IgdReport> decode_igd_report(proto::ByteView bytes, std::uint16_t asked_port,
                                           std::size_t stale_listed) {
  if (bytes.size() != sizeof(IgdReport)) return std::nullopt;
  IgdReport r;
  std::memcpy(&r, bytes.data(), sizeof r);
  if (r.magic != IgdReport::kMagic || !known(r.outcome) || r.stale_deleted > stale_listed ||
      !consistent(r, asked_port))
    return std::nullopt;
  return r;
}

std::string upnp_code_text(std::int32_t code) {
  for (const auto& [value, name] : kCodeNames)
    if (value == code) return std::to_string(code) + " " + name;
  return std::to_string(code);
}

std::string describe_igd_report(const IgdReport& r) {
  const std::string external = os::to_string(proto::Ipv4Addr{r.external});
  const std::string left = r.port != 0 ? " (deleting it failed too)" : "";
  switch (static_cast<IgdOutcome>(r.outcome)) {
    case IgdOutcome::Mapped:
      return "mapped to " + external + ":" + std::to_string(r.port);
    case IgdOutcome::Released:
      return std::to_string(r.stale_deleted) + " mapping" + (r.stale_deleted == 1 ? "" : "s") + " deleted";
    case IgdOutcome::NoGateway:
      return r.code == 3 ? "the UPnP device that answered is not an IGD" : "no IGD answered discovery";
    case IgdOutcome::AddRefused:
      return "the IGD refused AddPortMapping: " + upnp_code_text(r.code);
    case IgdOutcome::NoExternalAddress:
      return "GetExternalIPAddress failed: " + upnp_code_text(r.code) + "; mapping deleted" + left;
    case IgdOutcome::NotGlobal:
      return "the IGD's external address " + external +
             " is not global (another NAT beyond it); mapping deleted" + left;
    case IgdOutcome::NoLibrary:
      return "libminiupnpc is not installed";
    case IgdOutcome::SetupFailed:
      return "the UPnP process could not drop its privileges or confine itself (errno " +
             std::to_string(r.code) + ")";
  }
  return "unknown outcome";
}

}  // namespace teredo::roles
