// SPDX-License-Identifier: GPL-2.0-or-later
// RFC 6081 3.2: what the client's set-up got from a UPnP Internet gateway device
// (roles/upnp_mapping.hpp). Published once by the worker process's main thread before the control
// thread starts, and added to every merged client snapshot (merge_snapshots): the `nat.upnp`
// status fields and the outcome counters, which the worker threads never touch.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <type_traits>

#include "core/counters.hpp"
#include "proto/ipv4.hpp"

namespace teredo::control {

/// The UPnP step's outcomes (one per worker-process start) and the state file's troubles.
struct UpnpCounters {
  std::uint64_t mapped = 0;               // AddPortMapping and GetExternalIPAddress succeeded
  std::uint64_t no_gateway = 0;           // no IGD answered discovery
  std::uint64_t refused = 0;              // the IGD refused AddPortMapping
  std::uint64_t no_external_address = 0;  // GetExternalIPAddress failed or gave a non-global address
  std::uint64_t failed = 0;         // no answer in time (killed), no libminiupnpc, the child failed or lied
  std::uint64_t stale_deleted = 0;  // mappings an earlier run left, deleted first
  std::uint64_t state_file_errors = 0;  // an unreadable or corrupt state file, taken as empty
};

namespace help {
inline constexpr std::string_view kUpnpAttempts =
    "Client start-ups' UPnP port mapping (RFC 6081 3.2), by outcome (mapped; no_gateway: no IGD answered "
    "discovery; refused: AddPortMapping failed; no_external_address: GetExternalIPAddress failed or was "
    "not global; failed: no answer in time, no libminiupnpc or another failure)";
inline constexpr std::string_view kUpnpStaleDeleted =
    "UPnP port mappings left by an earlier run (the state file) and deleted at start";
inline constexpr std::string_view kUpnpStateFileErrors =
    "Unreadable or corrupt UPnP state files (/var/lib/teredod/upnp-INTERFACE), taken as empty";
}  // namespace help

inline constexpr core::CounterField<UpnpCounters> kUpnpCounterFields[] = {
    {&UpnpCounters::mapped, {"upnp_mapped", "upnp_attempts", "outcome", "mapped", help::kUpnpAttempts}},
    {&UpnpCounters::no_gateway,
     {"upnp_no_gateway", "upnp_attempts", "outcome", "no_gateway", help::kUpnpAttempts}},
    {&UpnpCounters::refused, {"upnp_refused", "upnp_attempts", "outcome", "refused", help::kUpnpAttempts}},
    {&UpnpCounters::no_external_address,
     {"upnp_no_external_address", "upnp_attempts", "outcome", "no_external_address", help::kUpnpAttempts}},
    {&UpnpCounters::failed, {"upnp_failed", "upnp_attempts", "outcome", "failed", help::kUpnpAttempts}},
    {&UpnpCounters::stale_deleted,
     {"upnp_stale_deleted", "upnp_stale_mappings_deleted", "", "", help::kUpnpStaleDeleted}},
    {&UpnpCounters::state_file_errors,
     {"upnp_state_file_errors", "upnp_state_file_errors", "", "", help::kUpnpStateFileErrors}},
};
static_assert(core::covers_every_member(kUpnpCounterFields));

constexpr std::span<const core::CounterField<UpnpCounters>> counter_fields(std::type_identity<UpnpCounters>) {
  return kUpnpCounterFields;
}

/// The UPnP step as the set-up left it.
struct UpnpStatus {
  bool enabled = false;     // UPnP yes (and SymmetricNatSupport yes)
  proto::Endpoint mapping;  // the IGD's external address and the service port; {} none
  std::string detail;       // the outcome in words: "mapped in 1.1 s", "no IGD answered within 1 s"...
  UpnpCounters counters;
};

/// Called once by the set-up, before the control thread starts (later calls replace it;
/// nullopt forgets it).
void publish_upnp_status(std::optional<UpnpStatus> status);
/// What was published; nullopt when nothing was (a relay, or no UPnP step in this process).
std::optional<UpnpStatus> published_upnp_status();

}  // namespace teredo::control
