// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the daemons' command-line parser (daemon/command_line).
#include "daemon/command_line.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

namespace teredo::daemon {
namespace {

ParsedCommandLine parse(std::initializer_list<std::string_view> args) {
  std::vector<std::string_view> v(args);
  return parse_command_line(v);
}

TEST(CommandLine, NoArgumentsRunsWithDefaults) {
  auto p = parse({});
  EXPECT_EQ(p.action, CommandAction::Run);
  EXPECT_FALSE(p.options.config_file);
  EXPECT_FALSE(p.options.foreground);
  EXPECT_FALSE(p.options.user);
  EXPECT_FALSE(p.options.pidfile);
  EXPECT_FALSE(p.options.chroot_dir);
  EXPECT_FALSE(p.options.server_name);
}

TEST(CommandLine, EachShortOptionIsParsed) {
  auto p = parse({"-c", "a.conf", "-f", "-u", "teredo", "-p", "/run/x.pid", "-t", "/var/empty", "192.0.2.1"});
  ASSERT_EQ(p.action, CommandAction::Run) << p.error;
  EXPECT_EQ(p.options.config_file, "a.conf");
  EXPECT_TRUE(p.options.foreground);
  EXPECT_EQ(p.options.user, "teredo");
  EXPECT_EQ(p.options.pidfile, "/run/x.pid");
  EXPECT_EQ(p.options.chroot_dir, "/var/empty");
  EXPECT_EQ(p.options.server_name, "192.0.2.1");
}

TEST(CommandLine, LongOptionsAndAliasesAreParsed) {
  auto p = parse({"--conf", "a", "--foreground", "--username=u", "--pidfile", "p", "--chrootdir=d"});
  ASSERT_EQ(p.action, CommandAction::Run) << p.error;
  EXPECT_EQ(p.options.config_file, "a");
  EXPECT_TRUE(p.options.foreground);
  EXPECT_EQ(p.options.user, "u");
  EXPECT_EQ(p.options.pidfile, "p");
  EXPECT_EQ(p.options.chroot_dir, "d");
  auto q = parse({"--config=b", "--user", "v", "--chroot", "e"});
  ASSERT_EQ(q.action, CommandAction::Run) << q.error;
  EXPECT_EQ(q.options.config_file, "b");
  EXPECT_EQ(q.options.user, "v");
  EXPECT_EQ(q.options.chroot_dir, "e");
}

TEST(CommandLine, ShortOptionsBundleAndTakeAttachedValues) {
  auto p = parse({"-fcmy.conf"});
  ASSERT_EQ(p.action, CommandAction::Run) << p.error;
  EXPECT_TRUE(p.options.foreground);
  EXPECT_EQ(p.options.config_file, "my.conf");
}

TEST(CommandLine, PositionalMayPrecedeOptionsAndDoubleDashEndsOptions) {
  auto p = parse({"server.example", "-f"});
  ASSERT_EQ(p.action, CommandAction::Run);
  EXPECT_EQ(p.options.server_name, "server.example");
  auto q = parse({"--", "-odd-name"});
  ASSERT_EQ(q.action, CommandAction::Run);
  EXPECT_EQ(q.options.server_name, "-odd-name");
}

TEST(CommandLine, HelpAndVersionExitZero) {
  EXPECT_EQ(parse({"-h"}).action, CommandAction::Help);
  EXPECT_EQ(parse({"--help"}).action, CommandAction::Help);
  EXPECT_EQ(parse({"-V"}).action, CommandAction::Version);
  EXPECT_EQ(parse({"--version"}).action, CommandAction::Version);
  EXPECT_EQ(parse({"-h"}).exit_code(), kExitOk);
  EXPECT_EQ(parse({"-V"}).exit_code(), kExitOk);
}

TEST(CommandLine, OptionGivenTwiceIsDuplicateParameter) {
  for (auto args : {std::vector<std::string_view>{"-c", "a", "-c", "b"},
                    std::vector<std::string_view>{"-c", "a", "--conf", "b"},
                    std::vector<std::string_view>{"-f", "--foreground"},
                    std::vector<std::string_view>{"-u", "a", "--username=b"}}) {
    auto p = parse_command_line(args);
    EXPECT_EQ(p.action, CommandAction::UsageError);
    EXPECT_EQ(p.exit_code(), kExitUsage);
    EXPECT_EQ(p.error.rfind("Duplicate parameter", 0), 0u) << p.error;
  }
}

TEST(CommandLine, ExtraPositionalIsAnError) {
  auto p = parse({"a", "b"});
  EXPECT_EQ(p.action, CommandAction::UsageError);
  EXPECT_EQ(p.exit_code(), kExitUsage);
  EXPECT_EQ(p.error.rfind("unexpected extra parameter", 0), 0u) << p.error;
}

TEST(CommandLine, UnknownOptionsAndMissingValuesAreUsageErrors) {
  for (auto args : {std::vector<std::string_view>{"-x"}, std::vector<std::string_view>{"--bogus"},
                    std::vector<std::string_view>{"-c"}, std::vector<std::string_view>{"--config"},
                    std::vector<std::string_view>{"--foreground=yes"}}) {
    auto p = parse_command_line(args);
    EXPECT_EQ(p.action, CommandAction::UsageError) << args[0];
    EXPECT_EQ(p.exit_code(), kExitUsage);
    EXPECT_FALSE(p.error.empty());
    EXPECT_EQ(p.error.find('\n'), std::string::npos);
  }
}

TEST(CommandLine, UsageErrorWinsOverHelp) {
  EXPECT_EQ(parse({"-h", "-x"}).action, CommandAction::UsageError);
  EXPECT_EQ(parse({"-h", "a", "b"}).action, CommandAction::UsageError);
}

TEST(CommandLine, UsageTextListsEveryOption) {
  const std::string u = usage_text("teredod-server", "Summary.", "SERVER_NAME help.");
  for (const char* s :
       {"--config", "--foreground", "--help", "--pidfile", "--chroot", "--user", "--version", "SERVER_NAME"})
    EXPECT_NE(u.find(s), std::string::npos) << s;
}

}  // namespace
}  // namespace teredo::daemon
