// SPDX-License-Identifier: GPL-2.0-or-later
// The server's client keys file (ClientKeysFile; secure qualification, RFC 4380 5.2.2): one key
// per line, "IDENTIFIER SECRET" or "IDENTIFIER SECRET retiring", blank lines and '#' comments
// ignored. An identifier has at most one current and one retiring key (re-keying: the client
// keeps working with the retiring key and is asked for the new one).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/authentication.hpp"

namespace teredo::config {

/// Identifiers and secrets: 1 to 255 bytes each (the authentication header's length octets).
inline constexpr std::size_t kMaxClientIdentifier = 255;
inline constexpr std::size_t kMaxClientSecret = 255;

struct ClientKeys {
  std::vector<core::ClientKey> keys;
  std::vector<std::string> errors;  // "PATH:LINE: problem", one per bad line
};

/// Parses the text of a keys file; `path` names it in the errors.
ClientKeys parse_client_keys(std::string_view text, std::string_view path);

/// Reads and parses the keys file at `path` (an unreadable file is one error).
ClientKeys load_client_keys(const std::string& path);

}  // namespace teredo::config
