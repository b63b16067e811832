// SPDX-License-Identifier: GPL-2.0-or-later
// The one report the UPnP child (upnp_child.hpp) writes on its pipe: a fixed 16-byte record of
// fixed fields (native byte order: both ends are the same program on one host). The privileged
// side reads it and nothing else: it never sees the IGD's XML or HTTP. decode_igd_report checks
// every field against what was asked; anything else is no report at all.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "proto/bytes.hpp"
#include "proto/ipv4.hpp"

namespace teredo::roles {

/// What the child did.
enum class IgdOutcome : std::uint8_t {
  Mapped = 1,             // AddPortMapping and GetExternalIPAddress succeeded: `port`, `external`
  Released = 2,           // a run that only deleted (`stale_deleted` of the listed mappings)
  NoGateway = 3,          // no IGD answered discovery (`code`: miniupnpc's, or GetValidIGD's 0 or 3)
  AddRefused = 4,         // AddPortMapping failed (`code`)
  NoExternalAddress = 5,  // GetExternalIPAddress failed (`code`); the mapping was deleted
  NotGlobal = 6,          // the external address (`external`) is not global; the mapping was deleted
  NoLibrary = 7,          // libminiupnpc could not be loaded
  SetupFailed = 8,        // the child could not drop its privileges or confine itself (`code`: errno)
};

struct IgdReport {
  static constexpr std::uint32_t kMagic = 0x54555031;  // "TUP1"
  std::uint32_t magic = kMagic;
  std::uint8_t outcome = 0;        // IgdOutcome
  std::uint8_t stale_deleted = 0;  // listed mappings the IGD removed (or did not hold any more)
  /// The port still mapped: Mapped's; after NoExternalAddress or NotGlobal, the port when
  /// deleting it failed; 0 otherwise.
  std::uint16_t port = 0;
  std::uint32_t external = 0;  // IPv4, host order: Mapped, NotGlobal
  std::int32_t code = 0;       // the UPnP or miniupnpc code of the failed step
};
static_assert(sizeof(IgdReport) == 16);

/// The record as written.
std::array<std::uint8_t, sizeof(IgdReport)> encode_igd_report(const IgdReport& r);

/// The record read from `bytes`, if it is one and fits what was asked (`asked_port`: the port
/// to map, 0 for a delete-only run; `stale_listed`: how many mappings were to be deleted).
/// Refused: another size or magic, an unknown outcome, more deletions than listed, an outcome
/// that does not fit the run, a Mapped report for another port or with a non-global external
/// address, a failure without its code, fields set that the outcome leaves zero.
std::optional<IgdReport> decode_igd_report(proto::ByteView bytes, std::uint16_t asked_port,
                                           std::size_t stale_listed);

/// A UPnP or miniupnpc code as text: "718 ConflictInMappingEntry", "-3 HTTP error", "999".
std::string upnp_code_text(std::int32_t code);

/// The outcome in words, for the log and teredoctl ("no IGD answered discovery").
std::string describe_igd_report(const IgdReport& r);

}  // namespace teredo::roles
