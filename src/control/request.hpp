// SPDX-License-Identifier: GPL-2.0-or-later
// The control protocol's request line (docs/teredoctl.md): one line from teredoctl,
//   status | stats | metrics | peers [--filter ADDR|PREFIX|IPV4] [--sort FIELD] [--reverse] [--limit N]
// Parsing only: no I/O (fuzzed by fuzz/fuzz_control.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "control/snapshot.hpp"

namespace teredo::control {

/// Longest request line accepted (bytes, newline included).
inline constexpr std::size_t kMaxControlRequest = 1024;

struct ControlRequest {
  enum class Command : std::uint8_t { Status, Peers, Stats, Metrics };
  Command command = Command::Status;
  PeerQuery query;
};

/// Parses one request line (without its newline). On failure returns the error text.
std::variant<ControlRequest, std::string> parse_control_request(std::string_view line);

}  // namespace teredo::control
