// SPDX-License-Identifier: GPL-2.0-or-later
// The client keys file (config/client_keys) and the directives of secure qualification on both
// sides: ClientKeysFile and RequireAuthentication (server), ClientIdentifier and ClientSecret
// (client). Every bad line is one error naming the file and line.
#include "config/client_keys.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "config/server_settings.hpp"
#include "config/teredod_settings.hpp"
#include "support/config_helpers.hpp"

namespace teredo::config {
namespace {

TEST(ClientKeys, KeysCommentsAndBlankLines) {
  const ClientKeys k = parse_client_keys(
      "# id secret\n\nalice s3cret\n  bob\tother  # trailing comment\nalice old-one retiring\r\n", "k");
  ASSERT_TRUE(k.errors.empty()) << k.errors.front();
  ASSERT_EQ(k.keys.size(), 3u);
  EXPECT_EQ(k.keys[0].id, "alice");
  EXPECT_EQ(std::string(k.keys[0].secret.begin(), k.keys[0].secret.end()), "s3cret");
  EXPECT_FALSE(k.keys[0].retiring);
  EXPECT_EQ(k.keys[1].id, "bob");
  EXPECT_EQ(std::string(k.keys[1].secret.begin(), k.keys[1].secret.end()), "other");
  EXPECT_EQ(k.keys[2].id, "alice");
  EXPECT_TRUE(k.keys[2].retiring);
}

TEST(ClientKeys, EachBadLineIsOneErrorNamingItsLine) {
  const std::string long_id(256, 'x');
  const ClientKeys k = parse_client_keys("alice\nbob s extra\n" + long_id +
                                             " s\ncarol ok\ncarol again\ncarol a retiring\ncarol b retiring\n"
                                             "dave \x01secret\n",
                                         "/etc/teredod/keys");
  ASSERT_EQ(k.errors.size(), 6u);
  EXPECT_EQ(k.errors[0].rfind("/etc/teredod/keys:1: ", 0), 0u) << k.errors[0];
  EXPECT_EQ(k.errors[1].rfind("/etc/teredod/keys:2: ", 0), 0u) << k.errors[1];
  EXPECT_EQ(k.errors[2].rfind("/etc/teredod/keys:3: ", 0), 0u) << k.errors[2];
  EXPECT_EQ(k.errors[3].rfind("/etc/teredod/keys:5: a second current key", 0), 0u) << k.errors[3];
  EXPECT_EQ(k.errors[4].rfind("/etc/teredod/keys:7: a second retiring key", 0), 0u) << k.errors[4];
  EXPECT_EQ(k.errors[5].rfind("/etc/teredod/keys:8: ", 0), 0u) << k.errors[5];
  EXPECT_EQ(k.keys.size(), 2u);  // carol ok, carol a retiring
}

class KeysFile : public ::testing::Test {
 protected:
  void write(const std::string& text) { std::ofstream(path_) << text; }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_ = ::testing::TempDir() + "teredod-keys-test";
};

TEST_F(KeysFile, TheServerReadsItAndRequiresAuthenticationOnlyWithKeys) {
  write("alice s3cret\n");
  ConfigFile c = test::parse_config(
      "ServerBindAddress 198.51.100.10\nClientKeysFile " + path_ + "\nRequireAuthentication yes\n", "s.conf");
  auto s = load_server_settings(c, std::nullopt);
  ASSERT_TRUE(s) << test::all_diagnostics(c);
  ASSERT_EQ(s->server.keys.size(), 1u);
  EXPECT_EQ(s->server.keys[0].id, "alice");
  EXPECT_TRUE(s->server.require_authentication);

  ConfigFile none =
      test::parse_config("ServerBindAddress 198.51.100.10\nRequireAuthentication yes\n", "s.conf");
  EXPECT_FALSE(load_server_settings(none, std::nullopt));
  EXPECT_TRUE(test::has_diagnostic(none, Severity::Error, "s.conf:2:")) << test::all_diagnostics(none);
}

TEST_F(KeysFile, ABadKeysLineFailsTheServerConfigurationNamingBothFiles) {
  write("alice s3cret\nbob\n");
  ConfigFile c =
      test::parse_config("ServerBindAddress 198.51.100.10\nClientKeysFile " + path_ + "\n", "s.conf");
  EXPECT_FALSE(load_server_settings(c, std::nullopt));
  EXPECT_TRUE(test::has_diagnostic(c, Severity::Error, "s.conf:2:")) << test::all_diagnostics(c);
  EXPECT_TRUE(test::has_diagnostic(c, Severity::Error, path_ + ":2:")) << test::all_diagnostics(c);
  for (const char* bad : {"ClientKeysFile relative/keys\n", "ClientKeysFile /nonexistent/teredod-keys\n"}) {
    ConfigFile b = test::parse_config(std::string("ServerBindAddress 198.51.100.10\n") + bad, "s.conf");
    EXPECT_FALSE(load_server_settings(b, std::nullopt)) << bad;
    EXPECT_TRUE(test::has_diagnostic(b, Severity::Error, "s.conf:2:")) << bad << test::all_diagnostics(b);
  }
  write("# only a comment\n");
  ConfigFile empty =
      test::parse_config("ServerBindAddress 198.51.100.10\nClientKeysFile " + path_ + "\n", "s.conf");
  EXPECT_FALSE(load_server_settings(empty, std::nullopt));
}

}  // namespace
}  // namespace teredo::config
