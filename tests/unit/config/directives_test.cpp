// SPDX-License-Identifier: GPL-2.0-or-later
// The table of directives (config/directives.hpp) agrees with the readers: each mode's reader asks
// for every directive the table gives it and for no directive the table does not list for its file;
// a directive it does not ask for is refused as unknown; each default the table states is the
// reader's (writing it changes nothing, writing another value does); each range is the reader's.
#include "config/directives.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "config/checkconf.hpp"
#include "config/effective.hpp"
#include "config/server_settings.hpp"
#include "config/teredod_settings.hpp"
#include "support/config_helpers.hpp"

namespace teredo::config {
namespace {

enum class Mode { Client, Relay, Server };

constexpr Mode kModes[] = {Mode::Client, Mode::Relay, Mode::Server};

unsigned bit(Mode m) {
  return m == Mode::Client ? kInClient : m == Mode::Relay ? kInRelay : kInServer;
}

ConfigKind file_of(Mode m) {
  return m == Mode::Server ? ConfigKind::Server : ConfigKind::Teredod;
}

const char* name_of(Mode m) {
  return m == Mode::Client ? "client" : m == Mode::Relay ? "relay" : "server";
}

// The smallest valid file of each mode; `extra` is appended.
std::string minimal(Mode m, const std::string& extra = "") {
  switch (m) {
    case Mode::Client:
      return "ServerAddress teredo.example.net\n" + extra;  // RelayType client: the default
    case Mode::Relay:
      return "RelayType relay\n" + extra;
    case Mode::Server:
      return "ServerBindAddress teredo.example.net\n" + extra;
  }
  return extra;
}

struct Loaded {
  ConfigFile file;
  std::optional<std::string> effective;  // "Name=value" lines; nullopt when the loader refused the file
};

std::string text_of(const EffectiveSettings& e) {
  std::string out;
  for (const auto& s : e) out += s.name + "=" + s.value + "\n";
  return out;
}

// Runs mode m's reader on `text`, as the daemon does (without a SERVER_NAME, and without DNS).
Loaded load(Mode m, const std::string& text) {
  Loaded r{ConfigFile::parse(text, "t.conf", offline_resolver()), std::nullopt};
  if (m == Mode::Server) {
    if (auto s = load_server_settings(r.file, std::nullopt)) r.effective = text_of(describe(*s));
    return r;
  }
  auto relay = load_relay_settings(r.file);
  if (!relay) return r;
  EXPECT_EQ(relay->role == TeredoRole::Client, m == Mode::Client) << text;
  if (relay->role != TeredoRole::Client) {
    r.effective = text_of(describe(*relay));
    return r;
  }
  if (auto c = load_client_settings(r.file, std::nullopt, relay->syslog_facility))
    r.effective = text_of(describe(*c));
  return r;
}

std::vector<const DirectiveInfo*> entries(Mode m) {
  std::vector<const DirectiveInfo*> out;
  for (const DirectiveInfo& d : directives())
    if ((d.modes & bit(m)) != 0) out.push_back(&d);
  return out;
}

bool in_file(ConfigKind file, std::string_view name) {
  return std::any_of(directives().begin(), directives().end(), [&](const DirectiveInfo& d) {
    return (d.modes & modes_of(file)) != 0 && d.name == name;
  });
}

bool consulted(const ConfigFile& c, std::string_view name) {
  return std::find(c.consulted().begin(), c.consulted().end(), name) != c.consulted().end();
}

TEST(Directives, EveryModeHasEntriesAndEachEntryAMode) {
  for (Mode m : kModes) {
    EXPECT_GE(entries(m).size(), 10u) << name_of(m);
    // At most one entry per directive and mode.
    std::vector<std::string_view> names;
    for (const DirectiveInfo* d : entries(m)) names.push_back(d->name);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << name_of(m);
  }
  for (const DirectiveInfo& d : directives()) {
    EXPECT_FALSE(d.name.empty());
    EXPECT_FALSE(d.default_text.empty()) << d.name;
    EXPECT_NE(d.modes, 0u) << d.name;
    EXPECT_EQ(d.modes & ~(kInClient | kInRelay | kInServer), 0u) << d.name;
    if (d.has_range) {
      EXPECT_LE(d.min, d.max) << d.name;
    }
  }
}

TEST(Directives, EachReaderAsksForItsDirectivesAndNoOther) {
  for (Mode m : kModes) {
    const Loaded r = load(m, minimal(m));
    ASSERT_TRUE(r.effective) << name_of(m) << "\n" << test::all_diagnostics(r.file);
    ASSERT_FALSE(r.file.consulted().empty());
    for (const std::string& name : r.file.consulted())
      EXPECT_TRUE(in_file(file_of(m), name))
          << "the " << name_of(m) << " reader accepts " << name << ", which is not in the table of "
          << config_file_name(file_of(m)) << " (config/directives.cpp)";
    for (const DirectiveInfo* d : entries(m))
      EXPECT_TRUE(consulted(r.file, d->name)) << "the table gives " << d->name << " to the " << name_of(m)
                                              << " mode, whose reader does not read it";
  }
}

TEST(Directives, WhatAReaderDoesNotReadIsAnUnknownDirective) {
  for (Mode m : kModes) {
    const Loaded reference = load(m, minimal(m));
    std::vector<std::string> others = {"NoSuchDirective"};
    for (const DirectiveInfo& d : directives())
      if (!consulted(reference.file, d.name)) others.emplace_back(d.name);
    for (const std::string& name : others) {
      const Loaded r = load(m, minimal(m, name + " 1\n"));
      EXPECT_TRUE(test::has_diagnostic(r.file, Severity::Warning, "unknown directive " + name))
          << name_of(m) << ": " << name << "\n"
          << test::all_diagnostics(r.file);
    }
  }
}

TEST(Directives, DefaultsAreTheReaders) {
  for (Mode m : kModes) {
    const Loaded reference = load(m, minimal(m));
    ASSERT_TRUE(reference.effective);
    for (const DirectiveInfo* d : entries(m)) {
      if (!d->literal_default || minimal(m).find(std::string(d->name) + " ") != std::string::npos) continue;
      const std::string line = std::string(d->name) + " " + std::string(d->default_text) + "\n";
      const Loaded same = load(m, minimal(m, line));
      ASSERT_TRUE(same.effective) << name_of(m) << ": " << line << test::all_diagnostics(same.file);
      EXPECT_EQ(*same.effective, *reference.effective) << name_of(m) << ": " << line;
      // And another value is seen, so that the comparison above means something.
      std::string other;
      if (d->default_text == "yes")
        other = "no";
      else if (d->default_text == "no")
        other = "yes";
      else if (d->has_range)
        other = std::to_string(std::to_string(d->max) == d->default_text ? d->min : d->max);
      if (other.empty()) continue;
      const Loaded changed = load(m, minimal(m, std::string(d->name) + " " + other + "\n"));
      if (!changed.effective) {  // only when that value needs another directive (RequireAuthentication yes)
        EXPECT_TRUE(test::has_diagnostic(changed.file, Severity::Error, " needs "))
            << name_of(m) << ": " << d->name << " " << other << "\n"
            << test::all_diagnostics(changed.file);
        continue;
      }
      EXPECT_NE(*changed.effective, *reference.effective) << name_of(m) << ": " << d->name << " " << other;
    }
  }
}

TEST(Directives, RangesAreTheReaders) {
  for (Mode m : kModes) {
    for (const DirectiveInfo* d : entries(m)) {
      if (!d->has_range) continue;
      const std::string name(d->name);
      auto errors = [&](std::uint64_t v) {
        const Loaded r = load(m, minimal(m, name + " " + std::to_string(v) + "\n"));
        return test::has_diagnostic(r.file, Severity::Error, "for " + name);
      };
      EXPECT_FALSE(errors(d->min)) << name_of(m) << ": " << name << " " << d->min;
      EXPECT_FALSE(errors(d->max)) << name_of(m) << ": " << name << " " << d->max;
      EXPECT_TRUE(errors(std::uint64_t{d->max} + 1)) << name_of(m) << ": " << name << " " << d->max + 1;
      if (d->min > 0) {
        EXPECT_TRUE(errors(d->min - 1)) << name_of(m) << ": " << name << " " << d->min - 1;
      }
    }
  }
}

TEST(Directives, ListingHasOneLineOfFiveFieldsPerEntry) {
  const std::string text = directives_listing();
  std::size_t lines = 0;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    const std::string line = text.substr(start, end - start);
    EXPECT_EQ(std::count(line.begin(), line.end(), '\t'), 4) << line;
    start = end + 1;
    ++lines;
  }
  std::size_t want = 0;
  for (const DirectiveInfo& d : directives())
    want += ((d.modes & modes_of(ConfigKind::Teredod)) != 0) + ((d.modes & kInServer) != 0);
  EXPECT_EQ(lines, want);
  EXPECT_NE(text.find("teredod.conf\tMaxPeers\tclient\t65536\t16 to 16777216\n"), std::string::npos) << text;
  EXPECT_NE(text.find("teredod.conf\tWorkers\tclient,relay\tauto\t1 to 64\n"), std::string::npos) << text;
  EXPECT_NE(text.find("teredod-server.conf\tWorkers\tserver\tauto\t1 to 64\n"), std::string::npos) << text;
  EXPECT_NE(text.find("teredod.conf\tInterfaceMTU\trelay\t1280\t1280 to 65535\n"), std::string::npos) << text;
  EXPECT_LT(text.find("teredod.conf\t"), text.find("teredod-server.conf\t"));
}

}  // namespace
}  // namespace teredo::config
