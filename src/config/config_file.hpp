// SPDX-License-Identifier: GPL-2.0-or-later
// Miredo-compatible configuration files (miredo.conf(5) syntax, miredo-behaviour.md 2.1):
// one "Name Value" per line, names case-insensitive, '#' comments, first duplicate wins; a lone
// name is ignored with a warning, text after a value too for Miredo's own directives.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.hpp"
#include "proto/ipv4.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::config {

/// Resolves a dotted quad or host name to IPv4; on failure returns nullopt and sets `error`.
using Ipv4Resolver = std::function<std::optional<proto::Ipv4Addr>(std::string_view name, std::string& error)>;

/// Resolver backed by os::resolve_ipv4 (getaddrinfo, AF_INET).
Ipv4Resolver system_resolver();

/// True for the directives of miredo.conf(5) and miredo-server.conf(5) (RelayType, ServerAddress,
/// ServerAddress2, Prefix, InterfaceMTU, InterfaceName, BindAddress, BindPort, SyslogFacility,
/// ServerBindAddress, ServerBindAddress2), compared case-insensitively.
bool is_miredo_directive(std::string_view name);

/// ASCII case-insensitive comparison, as directive names are compared.
bool equals_ignoring_case(std::string_view a, std::string_view b);

/// One line of a file that is not blank or a comment, as written: its name, its value (empty for
/// a lone name) and the first word after the value (empty when none, or a # comment).
struct SourceLine {
  unsigned line = 0;
  std::string name;
  std::string value;
  std::string extra;
};

/// A parsed configuration file. Typed getters *consume* a directive; finish() then warns about
/// every directive nobody asked for ("unknown directive X"). All problems are collected in
/// diagnostics(), each with the file name and line, for the daemon to log or a checkconf tool
/// to print. Not thread-safe.
class ConfigFile {
 public:
  /// Parses `text`; `file_name` is used in diagnostics only.
  static ConfigFile parse(std::string_view text, std::string file_name,
                          Ipv4Resolver resolver = system_resolver());
  /// Reads and parses a file. If it cannot be read, the result is empty with one error.
  static ConfigFile load(const std::string& path, Ipv4Resolver resolver = system_resolver());
  /// An empty configuration (all defaults) named `file_name`.
  static ConfigFile empty(std::string file_name, Ipv4Resolver resolver = system_resolver());

  /// True if the directive is present (does not consume it).
  bool has(std::string_view name) const;
  /// The line of the directive's first occurrence; 0 if it is absent or `name` is empty.
  unsigned line_of(std::string_view name) const;

  /// Getters return nullopt when the directive is absent, or when its value is invalid: then an
  /// error "FILE:LINE: invalid value "V" for Name (expected ...)" is recorded.
  std::optional<std::string> get_string(std::string_view name);
  std::optional<proto::Ipv4Addr> get_ipv4(std::string_view name);
  /// An IPv6 prefix of which only the first 32 bits are used (host order). Warns if later
  /// bits are set; rejects multicast, link-local and the unspecified prefix.
  std::optional<std::uint32_t> get_prefix32(std::string_view name);
  /// A list of 1..`max` IPv6 prefixes ADDR/LEN separated by commas; each LEN 0..128
  /// and no address bit set beyond it.
  std::optional<std::vector<proto::Ipv6Prefix>> get_ipv6_prefixes(std::string_view name, std::size_t max);
  /// strtoul-style base 0 (0x.. hex, 0.. octal), within [min, max].
  std::optional<std::uint32_t> get_unsigned(std::string_view name, std::uint32_t min, std::uint32_t max);
  /// The same, or `keyword_value` when the value is `keyword` (case-insensitive), e.g. "Workers auto".
  std::optional<std::uint32_t> get_unsigned_or(std::string_view name, std::string_view keyword,
                                               std::uint32_t keyword_value, std::uint32_t min,
                                               std::uint32_t max);
  /// One of `choices`, compared case-insensitively; returns the index into `choices`.
  std::optional<std::size_t> get_enum(std::string_view name, std::span<const std::string_view> choices);

  /// Records an error about a directive's line (e.g. a cross-field check) or the whole file.
  /// `name` picks the line of that directive (empty or absent: line 0, the whole file).
  void add_error(std::string_view name, std::string message);
  void add_warning(std::string_view name, std::string message);
  /// Warns about every directive that no getter consumed. Call once, after all getters.
  void finish();

  const std::string& file_name() const { return file_name_; }
  const Diagnostics& diagnostics() const { return diagnostics_; }
  bool has_errors() const { return config::has_errors(diagnostics_); }
  /// False when the file could not be read at all.
  bool readable() const { return readable_; }
  /// Every line that is not blank or a comment, in order (duplicates and lone names included).
  const std::vector<SourceLine>& source_lines() const { return lines_; }
  /// Every directive name a getter asked for, present or not, in the order first asked: the
  /// directives the reader accepts (directives_test.cpp compares them with directives.hpp).
  const std::vector<std::string>& consulted() const { return consulted_; }

 private:
  struct Entry {
    std::string name;
    std::string value;
    unsigned line = 0;
    bool used = false;
  };

  explicit ConfigFile(std::string file_name, Ipv4Resolver resolver)
      : file_name_(std::move(file_name)), resolver_(std::move(resolver)) {}
  void parse_line(std::string_view line, unsigned number);
  Entry* take(std::string_view name);
  void report(Severity s, unsigned line, std::string message);
  void invalid(const Entry& e, std::string_view name, std::string_view expected);
  std::optional<std::uint32_t> parse_unsigned(const Entry& e, std::string_view name, std::uint32_t min,
                                              std::uint32_t max, const std::string& expected);

  std::string file_name_;
  Ipv4Resolver resolver_;
  std::vector<Entry> entries_;
  std::vector<SourceLine> lines_;
  std::vector<std::string> consulted_;
  Diagnostics diagnostics_;
  bool readable_ = true;
};

}  // namespace teredo::config
