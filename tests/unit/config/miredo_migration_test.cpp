// SPDX-License-Identifier: GPL-2.0-or-later
// teredod-checkconf --miredo (config/miredo_migration.hpp): each line of a Miredo file gets the
// verdict of what teredod does with it, and the refusals are the daemon's own.
#include "config/miredo_migration.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace teredo::config {
namespace {

MigrationReport review(std::string_view text, std::optional<ConfigKind> kind = std::nullopt,
                       const std::string& hook = "/nonexistent/client-hook") {
  return review_miredo_config(ConfigFile::parse(text, "m.conf", offline_resolver()), kind, hook);
}

const LineVerdict& at(const MigrationReport& r, unsigned line) {
  for (const LineVerdict& l : r.lines)
    if (l.line == line) return l;
  static const LineVerdict none{};
  ADD_FAILURE() << "no verdict for line " << line << "\n" << format_migration_report(r);
  return none;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The verdict of `line`, and a part of its explanation.
void expect_line(const MigrationReport& r, unsigned line, Verdict verdict, const std::string& part) {
  const LineVerdict& l = at(r, line);
  EXPECT_EQ(l.verdict, verdict) << "line " << line << ": " << l.explanation;
  EXPECT_TRUE(has(l.explanation, part)) << "line " << line << ": " << l.explanation;
}

// Debian's /etc/miredo/miredo.conf, as shipped (comments and blank lines have no verdict).
TEST(MiredoMigration, DebiansClientFile) {
  const auto r = review(
      "# Please refer to the miredo.conf(5) man page for details.\n"
      "InterfaceName\tteredo\n"
      "\n"
      "#ServerAddress\tteredo.ipv6.microsoft.com\n"
      "ServerAddress\tteredo-debian.remlab.net\n"
      "#BindPort\t3545\n");
  EXPECT_TRUE(r.ok()) << format_migration_report(r);
  EXPECT_EQ(r.kind, ConfigKind::Teredod);
  EXPECT_EQ(r.mode, "client");
  ASSERT_EQ(r.lines.size(), 2u);
  expect_line(r, 2, Verdict::Same, "interface");
  expect_line(r, 5, Verdict::Differs, "resolve");  // when the file is read
  // The hook: Miredo runs it, teredod only with HookScript; the note says how.
  const std::string text = format_migration_report(r);
  EXPECT_TRUE(has(text, "HookScript /nonexistent/client-hook")) << text;
  EXPECT_TRUE(has(text, "m.conf:2: same: InterfaceName teredo: ")) << text;
  EXPECT_TRUE(has(text, "m.conf:5: differs: ServerAddress teredo-debian.remlab.net: ")) << text;
  EXPECT_TRUE(has(text, "2 directive line(s): 1 same, 1 differ, 0 ignored, 0 refused")) << text;
}

TEST(MiredoMigration, DebiansServerFileIsAServerFile) {
  const auto r = review("ServerBindAddress 192.0.2.221\n");
  EXPECT_TRUE(r.ok()) << format_migration_report(r);
  EXPECT_EQ(r.kind, ConfigKind::Server);
  EXPECT_EQ(at(r, 1).verdict, Verdict::Same);
  // --server forces the kind: a file without ServerBindAddress is then refused as a server file.
  const auto forced = review("Prefix 2001:0::\n", ConfigKind::Server);
  EXPECT_EQ(forced.kind, ConfigKind::Server);
  EXPECT_FALSE(forced.ok()) << format_migration_report(forced);
}

TEST(MiredoMigration, EachVerdict) {
  const auto r = review(
      "RelayType client\n"           // 1 same
      "ServerAddress 192.0.2.1\n"    // 2 differs (resolution)
      "Prefix 2001:0::\n"            // 3 differs: Miredo ignores it in client mode
      "InterfaceMTU 1400\n"          // 4 ignored: superfluous in client mode, for both
      "BindPort\n"                   // 5 ignored: no value, as Miredo
      "BindPort 3545 ; the NAT\n"    // 6 same; the text after the value ignored (warning)
      "ServerAddress 192.0.2.9\n"    // 7 ignored: duplicate, the first applies
      "Frobnicate yes\n"             // 8 ignored: unknown to both
      "RefreshInterval 20\n"         // 9 differs: a teredod directive, Miredo would ignore it
      "BindAddress 10.0.0.1.2\n"     // 10 refused: not an address
      "SyslogFacility nonsense\n");  // 11 refused: the daemon falls back, teredod does not
  EXPECT_FALSE(r.ok());
  expect_line(r, 1, Verdict::Same, "client mode");
  expect_line(r, 2, Verdict::Differs, "resolve");
  expect_line(r, 3, Verdict::Differs, "router advertisements");
  expect_line(r, 4, Verdict::Ignored, "superfluous");
  expect_line(r, 5, Verdict::Ignored, "no value");
  expect_line(r, 6, Verdict::Same, "\";\" after the value");  // the first BindPort with a value
  expect_line(r, 7, Verdict::Ignored, "duplicate");
  expect_line(r, 8, Verdict::Ignored, "unknown");
  expect_line(r, 9, Verdict::Differs, "teredod directive");
  expect_line(r, 10, Verdict::Refused, "write a local IPv4 address");
  expect_line(r, 11, Verdict::Refused, "SyslogFacility");
}

TEST(MiredoMigration, TextAfterAValueAndPrivilegedPorts) {
  const auto r =
      review("RelayType cone\nBindPort 443 # https\nInterfaceName teredo tunnel\nPrefix 2001:0::\n");
  EXPECT_TRUE(r.ok()) << format_migration_report(r);
  EXPECT_EQ(r.mode, "cone");
  expect_line(r, 2, Verdict::Differs, "below 1024");  // Miredo cannot bind it
  expect_line(r, 3, Verdict::Same, "\"tunnel\"");     // the warning, kept
  expect_line(r, 4, Verdict::Same, "relay serves");
}

TEST(MiredoMigration, RelayRefusesAnMtuBelow1280AndSaysWhatToWrite) {
  const auto r = review("RelayType relay\nInterfaceMTU 1000\nServerAddress 192.0.2.1\n");
  EXPECT_FALSE(r.ok());
  expect_line(r, 2, Verdict::Refused, "write a value from 1280 to 65535");
  expect_line(r, 3, Verdict::Ignored, "superfluous in relay mode");  // for both
}

TEST(MiredoMigration, AClientWithoutServerIsRefusedAsAWhole) {
  const auto r = review("InterfaceName teredo\n");
  EXPECT_FALSE(r.ok());
  bool named = false;
  for (const Diagnostic& d : r.file_notes)
    named |= d.severity == Severity::Error && has(d.message, "ServerAddress");
  EXPECT_TRUE(named) << format_migration_report(r);
}

TEST(MiredoMigration, TheHookNoteSaysWhetherTheHookIsThere) {
  char dir[] = "/tmp/teredo-migration-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string hook = std::string(dir) + "/client-hook";
  std::ofstream(hook) << "#!/bin/sh\nexit 0\n";
  ::chmod(hook.c_str(), 0755);
  const auto r = review("ServerAddress 192.0.2.1\n", std::nullopt, hook);
  EXPECT_TRUE(has(format_migration_report(r), "(present on this host)")) << format_migration_report(r);
  // With HookScript, no note about the hook.
  const auto with = review("ServerAddress 192.0.2.1\nHookScript " + hook + "\n", std::nullopt, hook);
  EXPECT_FALSE(has(format_migration_report(with), "Miredo runs")) << format_migration_report(with);
  ::unlink(hook.c_str());
  ::rmdir(dir);
}

// The command line: --miredo prints the report on stdout; the exit status is checkconf's.
TEST(MiredoMigration, CheckconfMiredoCommandLine) {
  char path[] = "/tmp/teredo-miredo-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << "InterfaceName teredo\nServerAddress 192.0.2.1\n";
  auto run = [](std::vector<std::string_view> args, std::string& out, std::string& err) {
    std::ostringstream o, e;
    const int rc = checkconf_main(args, "test", o, e);
    out = o.str();
    err = e.str();
    return rc;
  };
  std::string out, err;
  EXPECT_EQ(run({"--miredo", path}, out, err), 0) << out << err;
  EXPECT_TRUE(has(out, ":1: same: InterfaceName teredo")) << out;
  EXPECT_TRUE(err.empty()) << err;
  std::ofstream(path) << "RelayType cone\nInterfaceMTU 12\n";
  EXPECT_EQ(run({"--miredo", "-c", path}, out, err), 1) << out << err;
  EXPECT_TRUE(has(out, ":2: refused: InterfaceMTU 12")) << out;
  EXPECT_EQ(run({"--miredo", "/nonexistent/miredo.conf"}, out, err), 1);
  EXPECT_TRUE(has(err, "/nonexistent/miredo.conf: error: cannot read")) << err;
  EXPECT_EQ(run({"--miredo", "-x"}, out, err), 2);
  EXPECT_EQ(run({"--help"}, out, err), 0);
  EXPECT_TRUE(has(out, "--miredo")) << out;
  ::unlink(path);
}

}  // namespace
}  // namespace teredo::config
