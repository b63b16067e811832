// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes the configuration file parser (daemon/config_file.hpp). Input: the file's text. Parsed
// with a fake resolver (dotted quads; names ending in ".example" resolve to 192.0.2.x; anything
// else fails with an error text), then every directive the settings loaders know is read with
// the getter they use (twice: a second read must agree), then finish().
// Checks: every diagnostic carries the file name, a line within the file and a message; a getter
// that returns nothing for a present directive recorded an error on its line; values are within
// the bounds asked for; has() and line_of() agree; finish() adds only "unknown directive" warnings.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_file.hpp"
#include "fuzz_common.hpp"
#include "os/net_text.hpp"
#include "proto/teredo_address.hpp"

using namespace teredo;

namespace {

const std::string kFileName = "fuzz.conf";

constexpr std::array<std::string_view, 5> kRelayTypes = {"client", "autoclient", "relay", "cone",
                                                         "restricted"};
// As daemon/log.cpp's syslog_facility_names() (the harness does not link the logger).
constexpr std::array<std::string_view, 20> kFacilities = {
    "auth",   "authpriv", "cron",   "daemon", "ftp", "kern", "local0", "local1", "local2", "local3",
    "local4", "local5",   "local6", "local7", "lpr", "mail", "news",   "syslog", "user",   "uucp",
};

std::optional<proto::Ipv4Addr> fake_resolve(std::string_view name, std::string& error) {
  if (auto a = os::parse_ipv4(name)) return a;
  constexpr std::string_view kSuffix = ".example";
  if (name.size() > kSuffix.size() && name.substr(name.size() - kSuffix.size()) == kSuffix)
    return proto::make_ipv4(192, 0, 2, static_cast<std::uint8_t>(name.size()));
  error = "Name or service not known";
  return std::nullopt;
}

struct Checker {
  config::ConfigFile& c;
  unsigned lines;

  // Runs a getter twice; when the directive is present but the getter returns nothing, it must
  // have recorded an error on the directive's line.
  template <class Get>
  auto read(std::string_view name, Get get) {
    const bool present = c.has(name);
    const unsigned line = c.line_of(name);
    FUZZ_CHECK(present == (line != 0));
    FUZZ_CHECK(line <= lines);
    const std::size_t before = c.diagnostics().size();
    auto v = get();
    if (!present) FUZZ_CHECK(!v && c.diagnostics().size() == before);
    if (present && !v) {
      bool found = false;
      for (std::size_t i = before; i < c.diagnostics().size(); ++i)
        found = found ||
                (c.diagnostics()[i].severity == config::Severity::Error && c.diagnostics()[i].line == line);
      FUZZ_CHECK(found);
    }
    auto again = get();
    FUZZ_CHECK(again == v);
    return v;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  unsigned lines = 0;
  for (std::size_t i = 0; i < size; ++i) lines += data[i] == '\n';
  if (size > 0 && data[size - 1] != '\n') ++lines;

  config::ConfigFile c = config::ConfigFile::parse(text, kFileName, fake_resolve);
  Checker k{c, lines};

  for (std::string_view n :
       {"ControlGroup", "ControlSocket", "HookScript", "InterfaceName", "MetricsListen"}) {
    auto s = k.read(n, [&] { return c.get_string(n); });
    if (s) FUZZ_CHECK(!s->empty());
  }
  for (std::string_view n :
       {"BindAddress", "ServerAddress", "ServerAddress2", "ServerBindAddress", "ServerBindAddress2"})
    k.read(n, [&] { return c.get_ipv4(n); });
  if (auto p = k.read("Prefix", [&] { return c.get_prefix32("Prefix"); })) FUZZ_CHECK(*p != 0);
  struct Bounds {
    std::string_view name;
    std::uint32_t min, max;
  };
  for (const Bounds& b : {Bounds{"BindPort", 0, 65535}, Bounds{"InterfaceMTU", 1280, 65535},
                          Bounds{"MaxPeers", 16, 1u << 24}, Bounds{"RefreshInterval", 5, 3600}}) {
    if (auto v = k.read(b.name, [&] { return c.get_unsigned(b.name, b.min, b.max); }))
      FUZZ_CHECK(*v >= b.min && *v <= b.max);
  }
  if (auto p = k.read("ServedPrefixes", [&] { return c.get_ipv6_prefixes("ServedPrefixes", 8); })) {
    FUZZ_CHECK(!p->empty() && p->size() <= 8);
    for (const auto& x : *p) FUZZ_CHECK(x.length <= 128 && proto::in_prefix(x.addr, x));
  }
  static constexpr std::array<std::string_view, 3> kDefaultRoute = {"auto", "yes", "no"};
  if (auto r = k.read("DefaultRoute", [&] { return c.get_enum("DefaultRoute", kDefaultRoute); }))
    FUZZ_CHECK(*r < kDefaultRoute.size());
  if (auto t = k.read("RelayType", [&] { return c.get_enum("RelayType", kRelayTypes); }))
    FUZZ_CHECK(*t < kRelayTypes.size());
  if (auto f = k.read("SyslogFacility", [&] { return c.get_enum("SyslogFacility", kFacilities); }))
    FUZZ_CHECK(*f < kFacilities.size());

  const std::size_t before_finish = c.diagnostics().size();
  c.finish();
  for (std::size_t i = before_finish; i < c.diagnostics().size(); ++i) {
    FUZZ_CHECK(c.diagnostics()[i].severity == config::Severity::Warning);
    FUZZ_CHECK(c.diagnostics()[i].message.rfind("unknown directive ", 0) == 0);
  }
  c.add_error("Prefix", "cross-field check");
  c.add_warning("", "whole file");
  for (const config::Diagnostic& d : c.diagnostics()) {
    FUZZ_CHECK(d.file == kFileName);
    FUZZ_CHECK(d.line <= lines);
    FUZZ_CHECK(!d.message.empty());
    FUZZ_CHECK(d.to_string().rfind(kFileName + ":", 0) == 0);
  }
  FUZZ_CHECK(c.diagnostics().back().line == 0);
  return 0;
}
