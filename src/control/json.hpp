// The control protocol (issue 6, docs/teredoctl.md): one request line from teredoctl, one JSON
// document back. Requests:
//   status | stats | metrics | peers [--filter ADDR|PREFIX|IPV4] [--sort FIELD] [--reverse] [--limit N]
// Replies: {"ok":true,"command":...,"schema":1,...} or {"ok":false,"error":"..."}; field names
// are stable (documented in docs/teredoctl.md).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "control/snapshot.hpp"

namespace teredo::control {

inline constexpr int kControlSchema = 1;
/// Longest request line accepted (bytes, newline included).
inline constexpr std::size_t kMaxControlRequest = 1024;

struct ControlRequest {
  enum class Command : std::uint8_t { Status, Peers, Stats, Metrics };
  Command command = Command::Status;
  PeerQuery query;
};

/// Parses one request line (without its newline). On failure returns the error text.
std::variant<ControlRequest, std::string> parse_control_request(std::string_view line);

nlohmann::ordered_json status_json(const ControlSnapshot& s);
nlohmann::ordered_json peers_json(const ControlSnapshot& s);
nlohmann::ordered_json stats_json(const ControlSnapshot& s);
nlohmann::ordered_json peer_json(const PeerInfo& p);

/// Produces a snapshot for a query; nullopt when the data path did not answer in time.
using SnapshotProvider = std::function<std::optional<ControlSnapshot>(const PeerQuery&)>;

/// The whole exchange after the request line was read: the reply document, one line.
std::string handle_control_request(std::string_view line, const SnapshotProvider& provider);

std::string control_error_reply(std::string_view message);

}  // namespace teredo::control
