// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for teredod-checkconf's logic (daemon/checkconf): classification, offline resolution,
// output format and exit statuses.
#include "config/checkconf.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/version.hpp"

namespace teredo::config {
namespace {

ConfigFile parse(std::string_view text, std::string name = "t.conf") {
  return ConfigFile::parse(text, std::move(name), offline_resolver());
}

std::string all(const CheckResult& r) {
  std::string out;
  for (const Diagnostic& d : r.diagnostics) out += format_diagnostic(d) + "\n";
  return out;
}

TEST(CheckconfClassify, ServerBindAddressMakesAServerFile) {
  EXPECT_EQ(classify_config(parse("ServerBindAddress 192.0.2.1\n")), ConfigKind::Server);
  EXPECT_EQ(classify_config(parse("serverbindaddress2 192.0.2.1\n")), ConfigKind::Server);
  EXPECT_EQ(classify_config(parse("RelayType cone\n")), ConfigKind::Teredod);
  EXPECT_EQ(classify_config(parse("")), ConfigKind::Teredod);
  EXPECT_STREQ(config_kind_name(ConfigKind::Server), "teredod-server");
  EXPECT_STREQ(config_kind_name(ConfigKind::Teredod), "teredod");
}

TEST(CheckconfResolver, NeverUsesDnsButValidatesSyntax) {
  auto resolve = offline_resolver();
  std::string e;
  auto a = resolve("teredo.example.invalid", e);
  ASSERT_TRUE(a);
  EXPECT_TRUE(proto::is_global_unicast(*a));
  EXPECT_TRUE(proto::is_global_unicast(proto::Ipv4Addr{a->value + 1}));
  EXPECT_EQ(resolve("TEREDO.example.invalid.", e), a);  // one name, one placeholder
  auto b = resolve("other.example.invalid", e);
  ASSERT_TRUE(b);
  EXPECT_NE(b->value, a->value);
  EXPECT_NE(b->value, a->value + 1);
  EXPECT_EQ(resolve("192.0.2.7", e), proto::make_ipv4(192, 0, 2, 7));
  EXPECT_EQ(resolve("127.1", e), proto::make_ipv4(127, 0, 0, 1));  // getaddrinfo's numeric forms
  for (const char* bad : {"1.2.3.256", "bad_name", "-x.example", "a..b", "", "x.300"}) {
    e.clear();
    EXPECT_FALSE(resolve(bad, e)) << bad;
    EXPECT_FALSE(e.empty()) << bad;
  }
}

TEST(CheckconfResolver, HostNameSyntax) {
  EXPECT_TRUE(is_valid_host_name("teredo-debian.remlab.net"));
  EXPECT_TRUE(is_valid_host_name("localhost"));
  EXPECT_TRUE(is_valid_host_name("a.b.c."));
  EXPECT_FALSE(is_valid_host_name("10.0.0.1"));
  EXPECT_FALSE(is_valid_host_name(std::string(64, 'a') + ".example"));
  EXPECT_FALSE(is_valid_host_name("a b"));
}

TEST(CheckconfCheck, ValidFilesOfEveryKind) {
  auto client = check_config(parse("InterfaceName teredo\nServerAddress teredo-debian.remlab.net\n"));
  EXPECT_TRUE(client.ok()) << all(client);
  EXPECT_EQ(client.mode, "client");
  EXPECT_TRUE(client.diagnostics.empty()) << all(client);

  auto relay = check_config(parse("RelayType relay\nPrefix 2001:0::\nInterfaceMTU 1280\nBindPort 3545\n"));
  EXPECT_TRUE(relay.ok()) << all(relay);
  EXPECT_EQ(relay.kind, ConfigKind::Teredod);
  EXPECT_EQ(relay.mode, "cone");

  auto server = check_config(parse("ServerBindAddress 192.0.2.221\nInterfaceMTU 1400\n"));
  EXPECT_TRUE(server.ok()) << all(server);
  EXPECT_EQ(server.kind, ConfigKind::Server);
  EXPECT_EQ(server.mode, "server");
}

TEST(CheckconfCheck, GlobalUnicastRulesApplyToLiteralAddresses) {
  auto client = check_config(parse("ServerAddress 10.1.2.3\n"));
  EXPECT_FALSE(client.ok());
  EXPECT_NE(all(client).find("t.conf:1: error: Teredo server has a non global IPv4 address"),
            std::string::npos)
      << all(client);
  auto server = check_config(parse("# c\nServerBindAddress 192.168.1.1\n"));
  EXPECT_FALSE(server.ok());
  EXPECT_NE(all(server).find("t.conf:2: error: Server IPv4 addresses must be global unicast"),
            std::string::npos)
      << all(server);
}

TEST(CheckconfCheck, WarningsDoNotFail) {
  auto r = check_config(parse("RelayType cone\nFrobnicate yes\n"));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(all(r), "t.conf:2: warning: unknown directive Frobnicate\n");
  auto s = check_config(parse("ServerBindAddress 192.0.2.1\nRelayType cone\n"));
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(all(s), "t.conf:2: warning: unknown directive RelayType\n");
}

TEST(CheckconfCheck, ErrorsNameFileAndLine) {
  auto r = check_config(parse("RelayType cone\n\nBindPort 70000\n", "x.conf"));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(all(r), "x.conf:3: error: invalid value \"70000\" for BindPort (expected 0..65535)\n");
  auto t = check_config(parse("RelayType bogus\n"));
  EXPECT_FALSE(t.ok());
  EXPECT_TRUE(t.mode.empty());
  auto missing = check_config(parse("RelayType client\n"));
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(all(missing).find("t.conf:1: error: Server address not specified"), std::string::npos);
}

TEST(CheckconfCheck, UpnpIsAClientYesNoDirective) {
  EXPECT_TRUE(check_config(parse("ServerAddress 192.0.2.1\nUPnP no\n")).ok());
  auto bad = check_config(parse("ServerAddress 192.0.2.1\n\nUPnP perhaps\n", "u.conf"));
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(all(bad).find("u.conf:3: error:"), std::string::npos) << all(bad);
  EXPECT_NE(all(bad).find("UPnP"), std::string::npos) << all(bad);
  auto relay = check_config(parse("RelayType cone\nUPnP yes\n"));
  EXPECT_TRUE(relay.ok());
  EXPECT_EQ(all(relay), "t.conf:2: warning: unknown directive UPnP\n");
}

TEST(CheckconfCheck, HookScriptMustBeExecutable) {
  auto r = check_config(parse("ServerAddress 192.0.2.1\nHookScript /nonexistent/teredod-hook\n"));
  EXPECT_FALSE(r.ok());
  EXPECT_NE(all(r).find("t.conf:2: error: HookScript /nonexistent/teredod-hook is not an executable file"),
            std::string::npos)
      << all(r);
}

// An executable that anyone could have replaced (under /tmp, mode 1777) is not run as root.
TEST(CheckconfCheck, HookScriptMustBeRootsAlone) {
  char tmpl[] = "/tmp/teredod-hook-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::fchmod(fd, 0755), 0);
  ::close(fd);
  auto r = check_config(parse(std::string("ServerAddress 192.0.2.1\nHookScript ") + tmpl + "\n"));
  ::unlink(tmpl);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(all(r).find(std::string("t.conf:2: error: HookScript ") + tmpl + " is refused: "),
            std::string::npos)
      << all(r);
  const bool why = all(r).find("writable by group or others") != std::string::npos ||
                   (::geteuid() != 0 && all(r).find("is owned by uid") != std::string::npos);
  EXPECT_TRUE(why) << all(r);
  EXPECT_TRUE(check_config(parse("ServerAddress 192.0.2.1\nHookScript /bin/true\n")).ok());
}

TEST(CheckconfFormat, LineZeroMeansTheWholeFile) {
  EXPECT_EQ(format_diagnostic({Severity::Error, "f.conf", 0, "cannot read"}), "f.conf: error: cannot read");
  EXPECT_EQ(format_diagnostic({Severity::Warning, "f.conf", 7, "hm"}), "f.conf:7: warning: hm");
}

struct CliRun {
  int status;
  std::string out;
  std::string err;
};

CliRun run(std::vector<std::string_view> args) {
  std::ostringstream out;
  std::ostringstream err;
  const int status = checkconf_main(args, "9.9", out, err);
  return {status, out.str(), err.str()};
}

class CheckconfMain : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "checkconf_test_" + std::to_string(::getpid()) + ".conf";
  }
  void TearDown() override { std::remove(path_.c_str()); }
  void write(std::string_view text) { std::ofstream(path_) << text; }
  std::string path_;
};

TEST_F(CheckconfMain, ExitStatuses) {
  write("RelayType cone\n");
  EXPECT_EQ(run({path_}).status, 0);
  EXPECT_EQ(run({"-c", path_}).status, 0);
  EXPECT_EQ(run({"-f", "-u", "nobody", "-p", "/x.pid", "-t", "/", path_}).status, 0);
  write("RelayType cone\nUnknown 1\n");
  CliRun w = run({path_});
  EXPECT_EQ(w.status, 0);
  EXPECT_EQ(w.err, path_ + ":2: warning: unknown directive Unknown\n");
  write("RelayType cone\nInterfaceMTU 1000\n");
  CliRun e = run({path_});
  EXPECT_EQ(e.status, 1);
  EXPECT_EQ(e.err, path_ + ":2: error: invalid value \"1000\" for InterfaceMTU (expected 1280..65535)\n");
  EXPECT_TRUE(e.out.empty());
}

TEST_F(CheckconfMain, PositionalFileWinsOverDashC) {
  write("RelayType cone\n");
  EXPECT_EQ(run({"-c", "/nonexistent/teredod.conf", path_}).status, 0);
  CliRun r = run({"-c", path_, "/nonexistent/teredod.conf"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("/nonexistent/teredod.conf: error: cannot read configuration", 0), 0u) << r.err;
}

TEST_F(CheckconfMain, UsageHelpVersion) {
  EXPECT_EQ(run({"-x"}).status, 2);
  EXPECT_EQ(run({"a", "b"}).status, 2);
  EXPECT_EQ(run({"-c", "a", "-c", "b"}).status, 2);
  EXPECT_EQ(run({"-c"}).status, 2);
  CliRun h = run({"-h"});
  EXPECT_EQ(h.status, 0);
  EXPECT_EQ(h.out.rfind("Usage: teredod-checkconf [--miredo] [--server] [-c FILE] [FILE]", 0), 0u);
  CliRun v = run({"--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out.rfind("teredod-checkconf 9.9\nrevision: ", 0), 0u) << v.out;
  EXPECT_EQ(v.out, daemon::version_text("teredod-checkconf 9.9"));
}

TEST_F(CheckconfMain, ListDirectives) {
  CliRun l = run({"--list-directives"});
  EXPECT_EQ(l.status, 0);
  EXPECT_EQ(l.out, directives_listing());
  EXPECT_TRUE(l.err.empty());
  EXPECT_EQ(run({"-f", "--list-directives"}).out, directives_listing());  // the daemons' options are ignored
  EXPECT_EQ(run({"--list-directives", "--list-directives"}).status, 2);
  EXPECT_EQ(run({"--list-directives", path_}).status, 2);
  EXPECT_EQ(run({"--list-directives", "-c", path_}).status, 2);
  CliRun h = run({"--list-directives", "--help"});
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("--list-directives"), std::string::npos);
  // After "--" it is a file name.
  CliRun f = run({"--", "--list-directives"});
  EXPECT_EQ(f.status, 1);
  EXPECT_EQ(f.err.rfind("--list-directives: error: cannot read configuration", 0), 0u) << f.err;
}

}  // namespace
}  // namespace teredo::config
