// SPDX-License-Identifier: GPL-2.0-or-later
// What the configuration tests share: files parsed without DNS, and their diagnostics as text.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/config_file.hpp"
#include "os/net_text.hpp"

namespace teredo::test {

/// A resolver that never uses DNS: dotted quads, and the host names of `known`; anything else is
/// "no DNS in tests".
inline config::Ipv4Resolver no_dns_resolver(
    std::initializer_list<std::pair<std::string_view, proto::Ipv4Addr>> known = {}) {
  return [names = std::vector(known.begin(), known.end())](
             std::string_view name, std::string& error) -> std::optional<proto::Ipv4Addr> {
    for (const auto& [n, a] : names)
      if (n == name) return a;
    if (auto a = os::parse_ipv4(name)) return a;
    error = "no DNS in tests";
    return std::nullopt;
  };
}

/// `text` parsed as the file `file_name`, host names through `resolver`.
inline config::ConfigFile parse_config(std::string_view text, std::string file_name,
                                       config::Ipv4Resolver resolver = no_dns_resolver()) {
  return config::ConfigFile::parse(text, std::move(file_name), std::move(resolver));
}

/// True when a diagnostic of severity `s` contains `text` ("FILE:LINE: message").
inline bool has_diagnostic(const config::ConfigFile& c, config::Severity s, std::string_view text) {
  for (const config::Diagnostic& d : c.diagnostics())
    if (d.severity == s && d.to_string().find(text) != std::string::npos) return true;
  return false;
}

/// Every diagnostic, one "FILE:LINE: message" per line (for failure messages).
inline std::string all_diagnostics(const config::ConfigFile& c) {
  std::string out;
  for (const config::Diagnostic& d : c.diagnostics()) out += d.to_string() + "\n";
  return out;
}

}  // namespace teredo::test
