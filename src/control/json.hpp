// SPDX-License-Identifier: GPL-2.0-or-later
// The control protocol's replies (docs/teredoctl.md): one JSON document per request line.
// {"ok":true,"schema":2,"command":...,"role":...,...} or {"ok":false,"schema":2,"error":"..."}.
// Field names are stable within a schema; durations are seconds and named *_seconds.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "control/request.hpp"
#include "control/snapshot.hpp"

namespace teredo::control {

/// Schema 2: every duration is named *_seconds (schema 1 said *_s).
inline constexpr int kControlSchema = 2;

nlohmann::ordered_json status_json(const ControlSnapshot& s);
nlohmann::ordered_json peers_json(const ControlSnapshot& s);
/// The peers reply (peers_json's document, one line), written peer by peer without a tree.
std::string peers_reply(const ControlSnapshot& s);
nlohmann::ordered_json stats_json(const ControlSnapshot& s);
nlohmann::ordered_json peer_json(const PeerInfo& p);

/// Produces a snapshot for a query; nullopt when the data path did not answer in time.
using SnapshotProvider = std::function<std::optional<ControlSnapshot>(const PeerQuery&)>;

/// The whole exchange after the request line was read: the reply document, one line.
std::string handle_control_request(std::string_view line, const SnapshotProvider& provider);

std::string control_error_reply(std::string_view message);

}  // namespace teredo::control
