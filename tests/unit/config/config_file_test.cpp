// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the miredo.conf-syntax parser (daemon/config_file).
#include "config/config_file.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "os/system_log.hpp"

namespace teredo::config {
namespace {

// A resolver that knows one host name and never touches DNS.
Ipv4Resolver fake_resolver() {
  return [](std::string_view name, std::string& error) -> std::optional<proto::Ipv4Addr> {
    if (name == "192.0.2.1") return proto::make_ipv4(192, 0, 2, 1);
    if (name == "teredo.example") return proto::make_ipv4(198, 51, 100, 7);
    error = "Name or service not known";
    return std::nullopt;
  };
}

ConfigFile parse(std::string_view text) {
  return ConfigFile::parse(text, "test.conf", fake_resolver());
}

std::string all_messages(const ConfigFile& c) {
  std::string out;
  for (const auto& d : c.diagnostics()) out += d.to_string() + "\n";
  return out;
}

TEST(ConfigFile, DirectiveNamesAreCaseInsensitive) {
  ConfigFile c = parse("serverbindaddress 192.0.2.1\nINTERFACEMTU 1400\n");
  EXPECT_EQ(c.get_ipv4("ServerBindAddress"), proto::make_ipv4(192, 0, 2, 1));
  EXPECT_EQ(c.get_unsigned("InterfaceMTU", 1280, 65535), 1400u);
  c.finish();
  EXPECT_TRUE(c.diagnostics().empty()) << all_messages(c);
}

TEST(ConfigFile, CommentsBlankLinesAndTrailingCommentsAreAccepted) {
  ConfigFile c = parse("# comment\n\n   \t\n  #indented comment\nBindPort 3545 # trailing\n#BindPort 1\n");
  EXPECT_EQ(c.get_unsigned("BindPort", 0, 65535), 3545u);
  c.finish();
  EXPECT_TRUE(c.diagnostics().empty()) << all_messages(c);
}

TEST(ConfigFile, FirstDuplicateWinsAndLaterOneIsWarnedAbout) {
  ConfigFile c = parse("BindPort 1\nbindport 2\n");
  EXPECT_EQ(c.get_unsigned("BindPort", 0, 65535), 1u);
  ASSERT_EQ(c.diagnostics().size(), 1u);
  const Diagnostic& d = c.diagnostics()[0];
  EXPECT_EQ(d.severity, Severity::Warning);
  EXPECT_EQ(d.line, 2u);
  EXPECT_NE(d.to_string().find("test.conf:2: duplicate directive bindport"), std::string::npos)
      << d.to_string();
  EXPECT_FALSE(c.has_errors());
}

TEST(ConfigFile, UnknownDirectiveIsAWarningWithFileAndLine) {
  ConfigFile c = parse("\nFrobnicate yes\n");
  c.finish();
  ASSERT_EQ(c.diagnostics().size(), 1u);
  EXPECT_EQ(c.diagnostics()[0].severity, Severity::Warning);
  EXPECT_EQ(c.diagnostics()[0].to_string(), "test.conf:2: unknown directive Frobnicate");
  EXPECT_FALSE(c.has_errors());
}

// As Miredo ("Ignoring line N: X"): a lone name is skipped with a warning, nothing is set.
TEST(ConfigFile, LoneTokenIsIgnoredWithAWarning) {
  ConfigFile c = parse("Prefix 2001::\nServerBindAddress\n");
  EXPECT_FALSE(c.has_errors());
  ASSERT_EQ(c.diagnostics().size(), 1u);
  EXPECT_EQ(c.diagnostics()[0].severity, Severity::Warning);
  EXPECT_EQ(c.diagnostics()[0].to_string(),
            "test.conf:2: directive ServerBindAddress has no value; line ignored (as Miredo does)");
  EXPECT_FALSE(c.has("ServerBindAddress"));
  ASSERT_EQ(c.source_lines().size(), 2u);
  EXPECT_EQ(c.source_lines()[1].name, "ServerBindAddress");
  EXPECT_EQ(c.source_lines()[1].value, "");
}

// Text after the value of one of Miredo's directives is ignored, as Miredo does, with a warning.
TEST(ConfigFile, TextAfterAMiredoValueIsIgnoredWithAWarning) {
  ConfigFile c = parse("interfacename my tunnel\nBindPort 3545 ; the NAT's port\n");
  EXPECT_FALSE(c.has_errors());
  ASSERT_EQ(c.diagnostics().size(), 2u);
  EXPECT_EQ(c.diagnostics()[0].severity, Severity::Warning);
  EXPECT_EQ(c.diagnostics()[0].line, 1u);
  EXPECT_NE(c.diagnostics()[0].message.find("\"tunnel\""), std::string::npos);
  EXPECT_EQ(c.get_string("InterfaceName"), "my");
  EXPECT_EQ(c.get_unsigned("BindPort", 0, 65535), 3545u);
  EXPECT_EQ(c.source_lines()[1].extra, ";");
}

// A teredod directive cannot be cut short unnoticed: the error says why.
TEST(ConfigFile, TextAfterATeredodValueIsAnErrorThatExplains) {
  ConfigFile c = parse("HookScript /etc/my hook\n");
  ASSERT_TRUE(c.has_errors());
  EXPECT_EQ(c.diagnostics()[0].line, 1u);
  const std::string& m = c.diagnostics()[0].message;
  EXPECT_NE(m.find("\"hook\""), std::string::npos) << m;
  EXPECT_NE(m.find("values cannot contain spaces"), std::string::npos) << m;
  EXPECT_NE(m.find("Miredo"), std::string::npos) << m;
  EXPECT_FALSE(c.has("HookScript"));
}

TEST(ConfigFile, ACommentAfterTheValueIsFine) {
  ConfigFile c = parse("HookScript /etc/hook # run on every change\n");
  EXPECT_TRUE(c.diagnostics().empty());
  EXPECT_EQ(c.get_string("HookScript"), "/etc/hook");
}

TEST(ConfigFile, IntegerOutOfRangeNamesValueDirectiveAndRange) {
  ConfigFile c = parse("BindPort 70000\n");
  EXPECT_FALSE(c.get_unsigned("BindPort", 0, 65535));
  ASSERT_TRUE(c.has_errors());
  EXPECT_EQ(c.diagnostics()[0].to_string(),
            "test.conf:1: invalid value \"70000\" for BindPort (expected 0..65535)");
}

TEST(ConfigFile, IntegerAcceptsHexAndOctalLikeStrtoul) {
  ConfigFile c = parse("BindPort 0x0DDA\nInterfaceMTU 02400\n");
  EXPECT_EQ(c.get_unsigned("BindPort", 0, 65535), 0x0DDAu);
  EXPECT_EQ(c.get_unsigned("InterfaceMTU", 0, 65535), 02400u);
  EXPECT_FALSE(c.has_errors()) << all_messages(c);
}

TEST(ConfigFile, IntegerRejectsSignsGarbageAndBelowMinimum) {
  for (const char* v : {"-1", "+5", "12abc", "0x", "99999999999999999999999"}) {
    ConfigFile c = parse(std::string("BindPort ") + v + "\n");
    EXPECT_FALSE(c.get_unsigned("BindPort", 0, 65535)) << v;
    EXPECT_TRUE(c.has_errors()) << v;
  }
  ConfigFile c = parse("InterfaceMTU 1000\n");
  EXPECT_FALSE(c.get_unsigned("InterfaceMTU", 1280, 65535));
  EXPECT_EQ(c.diagnostics()[0].to_string(),
            "test.conf:1: invalid value \"1000\" for InterfaceMTU (expected 1280..65535)");
}

TEST(ConfigFile, Ipv4AcceptsDottedQuadAndHostName) {
  ConfigFile c = parse("ServerAddress teredo.example\nBindAddress 192.0.2.1\n");
  EXPECT_EQ(c.get_ipv4("ServerAddress"), proto::make_ipv4(198, 51, 100, 7));
  EXPECT_EQ(c.get_ipv4("BindAddress"), proto::make_ipv4(192, 0, 2, 1));
}

TEST(ConfigFile, BadIpv4IsAnErrorWithFileAndLine) {
  ConfigFile c = parse("# x\nServerBindAddress 300.1.2.3\n");
  EXPECT_FALSE(c.get_ipv4("ServerBindAddress"));
  ASSERT_TRUE(c.has_errors());
  EXPECT_EQ(c.diagnostics()[0].line, 2u);
  EXPECT_EQ(c.diagnostics()[0].to_string().rfind(
                "test.conf:2: invalid value \"300.1.2.3\" for ServerBindAddress", 0),
            0u)
      << c.diagnostics()[0].to_string();
}

TEST(ConfigFile, PrefixUsesFirst32BitsAndWarnsAboutTheRest) {
  ConfigFile c = parse("Prefix 2001:0:1::\n");
  EXPECT_EQ(c.get_prefix32("Prefix"), 0x20010000u);
  ASSERT_EQ(c.diagnostics().size(), 1u);
  EXPECT_EQ(c.diagnostics()[0].severity, Severity::Warning);
  ConfigFile d = parse("Prefix 3ffe:831f::\n");
  EXPECT_EQ(d.get_prefix32("Prefix"), 0x3ffe831fu);
  EXPECT_TRUE(d.diagnostics().empty());
}

TEST(ConfigFile, PrefixRejectsMulticastLinkLocalAndGarbage) {
  for (const char* v : {"ff02::", "fe80::", "::", "not-an-address", "192.0.2.1"}) {
    ConfigFile c = parse(std::string("Prefix ") + v + "\n");
    EXPECT_FALSE(c.get_prefix32("Prefix")) << v;
    EXPECT_TRUE(c.has_errors()) << v;
  }
}

TEST(ConfigFile, SyslogFacilityNamesAreCaseInsensitive) {
  const auto names = os::syslog_facility_names();
  for (const char* v : {"auth", "authpriv", "cron", "daemon", "ftp", "kern", "local0", "local7", "lpr",
                        "mail", "news", "syslog", "user", "uucp", "LOCAL3", "Daemon"}) {
    ConfigFile c = parse(std::string("SyslogFacility ") + v + "\n");
    auto idx = c.get_enum("SyslogFacility", names);
    ASSERT_TRUE(idx) << v;
    std::string lower(v);
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_EQ(names[*idx], lower);
  }
}

TEST(ConfigFile, UnknownSyslogFacilityIsAnError) {
  ConfigFile c = parse("SyslogFacility local8\n");
  EXPECT_FALSE(c.get_enum("SyslogFacility", os::syslog_facility_names()));
  ASSERT_TRUE(c.has_errors());
  EXPECT_EQ(c.diagnostics()[0].to_string().rfind(
                "test.conf:1: invalid value \"local8\" for SyslogFacility (expected one of auth, ", 0),
            0u)
      << c.diagnostics()[0].to_string();
}

TEST(ConfigFile, AbsentDirectiveIsNotAnError) {
  ConfigFile c = parse("");
  EXPECT_FALSE(c.get_ipv4("ServerBindAddress"));
  EXPECT_FALSE(c.get_unsigned("InterfaceMTU", 1280, 65535));
  c.finish();
  EXPECT_TRUE(c.diagnostics().empty());
}

TEST(ConfigFile, UnreadableFileIsAnErrorNamingTheFile) {
  ConfigFile c = ConfigFile::load("/nonexistent/teredod-test.conf", fake_resolver());
  EXPECT_FALSE(c.readable());
  ASSERT_TRUE(c.has_errors());
  EXPECT_EQ(c.diagnostics()[0].to_string().rfind("/nonexistent/teredod-test.conf: ", 0), 0u);
}

TEST(ConfigFile, EveryDiagnosticCarriesFileAndLine) {
  ConfigFile c = parse("A\nB 1 2\nBindPort x\nBindPort 1\nUnknown 1\n");
  (void)c.get_unsigned("BindPort", 0, 65535);
  c.finish();
  ASSERT_EQ(c.diagnostics().size(), 5u) << all_messages(c);
  for (const auto& d : c.diagnostics()) {
    EXPECT_EQ(d.file, "test.conf");
    EXPECT_GT(d.line, 0u) << d.message;
  }
}

}  // namespace
}  // namespace teredo::config
