// SPDX-License-Identifier: GPL-2.0-or-later
// The directives each configuration file accepts, in one table: for each, the file, the modes in
// which it takes effect, its default as the manual pages state it, and its range when it is a
// number. The readers (teredod_settings, server_settings, datapath_settings, control_settings) stay
// as they are; tests/unit/config/directives_test.cpp proves that they and this table agree (every
// directive a reader asks for is here and every one here is asked for, defaults, ranges).
// teredod-checkconf --list-directives prints it, and tests/check_man_pages.py checks the manual
// pages against that list.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace teredo::config {

/// Which daemon a file is for.
enum class ConfigKind { Teredod, Server };

/// Where a directive takes effect (a bit set): the first two are teredod.conf's modes, the third is
/// teredod-server.conf.
inline constexpr unsigned kInClient = 1;  // teredod.conf, RelayType client
inline constexpr unsigned kInRelay = 2;   // teredod.conf, RelayType relay/cone/restricted
inline constexpr unsigned kInServer = 4;  // teredod-server.conf

struct DirectiveInfo {
  std::string_view name;
  unsigned modes = 0;
  /// As the manual pages say it after "Default:".
  std::string_view default_text;
  /// True when default_text is itself a valid value, one that changes nothing when written.
  bool literal_default = false;
  /// A numeric range min..max, when has_range (another keyword, such as Workers auto, may be allowed).
  bool has_range = false;
  std::uint32_t min = 0;
  std::uint32_t max = 0;
};

/// The modes of `file` (kInClient | kInRelay, or kInServer).
unsigned modes_of(ConfigKind file);

/// Every directive of both files. A directive both files read the same way (the control channel) has
/// one entry; one whose default depends on the mode or the file (MaxPeers, ControlSocket) one per mode.
std::span<const DirectiveInfo> directives();

/// "teredod.conf" or "teredod-server.conf".
const char* config_file_name(ConfigKind kind);

/// "client", "relay", "client,relay" or "server".
std::string modes_text(unsigned modes);

/// One line per entry and file, teredod.conf's first: FILE<TAB>NAME<TAB>MODES<TAB>DEFAULT<TAB>RANGE
/// (MODES within that file; RANGE "A to B", or "-").
std::string directives_listing();

}  // namespace teredo::config
