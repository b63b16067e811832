// SPDX-License-Identifier: GPL-2.0-or-later
// Which configuration file a daemon reads (config/load.hpp), and the notice about Miredo's hook
// (config/teredod_settings.hpp): as Miredo, SERVER_NAME on the command line lets a daemon run on
// its defaults when its default file is missing; a file named with -c must exist.
#include "config/load.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "config/checkconf.hpp"
#include "config/teredod_settings.hpp"

namespace teredo::config {
namespace {

class TempDir {
 public:
  TempDir() {
    char d[] = "/tmp/teredo-load-XXXXXX";
    path_ = ::mkdtemp(d) != nullptr ? d : "";
  }
  ~TempDir() {
    if (std::system(("rm -rf '" + path_ + "'").c_str()) != 0) std::perror("rm -rf");
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name, const std::string& text, mode_t mode = 0644) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

daemon::CommandLine command_line(std::optional<std::string> config, std::optional<std::string> server) {
  daemon::CommandLine c;
  c.config_file = std::move(config);
  c.server_name = std::move(server);
  return c;
}

TEST(DaemonConfig, AMissingDefaultFileWithServerNameRunsOnTheDefaults) {
  TempDir dir;
  const std::string missing = dir.path() + "/teredod.conf";
  const DaemonConfigFile r =
      read_daemon_config(command_line(std::nullopt, "192.0.2.1"), missing, offline_resolver());
  ASSERT_TRUE(r.file);
  EXPECT_TRUE(r.file->source_lines().empty());
  EXPECT_NE(r.message.find("running on the defaults with SERVER_NAME 192.0.2.1"), std::string::npos)
      << r.message;
  // And those defaults make a client of that server.
  ConfigFile config = std::move(*r.file);
  auto settings = load_teredod_settings(config, std::string("192.0.2.1"));
  ASSERT_TRUE(settings);
  const auto* client = std::get_if<ClientSettings>(&*settings);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->client.server, proto::make_ipv4(192, 0, 2, 1));
  EXPECT_EQ(client->interface_name, "teredo");
}

TEST(DaemonConfig, AMissingDefaultFileWithoutServerNameIsFatalAndSaysWhatToDo) {
  TempDir dir;
  const DaemonConfigFile r = read_daemon_config(command_line(std::nullopt, std::nullopt),
                                                dir.path() + "/teredod.conf", offline_resolver());
  EXPECT_FALSE(r.file);
  EXPECT_NE(r.message.find(dir.path() + "/teredod.conf failed"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("SERVER_NAME"), std::string::npos) << r.message;
}

TEST(DaemonConfig, AMissingFileNamedWithDashCIsFatalEvenWithServerName) {
  TempDir dir;
  const std::string missing = dir.path() + "/typo.conf";
  const DaemonConfigFile r =
      read_daemon_config(command_line(missing, "192.0.2.1"), "/unused", offline_resolver());
  EXPECT_FALSE(r.file);
  EXPECT_NE(r.message.find(missing + " (-c) failed"), std::string::npos) << r.message;
}

TEST(DaemonConfig, AFileThatExistsIsRead) {
  TempDir dir;
  const std::string f = dir.file("t.conf", "RelayType cone\n");
  const DaemonConfigFile r =
      read_daemon_config(command_line(std::nullopt, "192.0.2.1"), f, offline_resolver());
  ASSERT_TRUE(r.file);
  EXPECT_TRUE(r.message.empty());
  EXPECT_TRUE(r.file->has("RelayType"));
}

TEST(MiredoHookNotice, OnlyForAClientWithoutHookScriptWhereMiredosHookIsThere) {
  TempDir dir;
  const std::string hook = dir.file("client-hook", "#!/bin/sh\nexit 0\n", 0755);
  ClientSettings client;
  auto notice = miredo_hook_notice(client, "/etc/teredod/teredod.conf", hook);
  ASSERT_TRUE(notice);
  EXPECT_NE(notice->find("is not run"), std::string::npos) << *notice;
  EXPECT_NE(notice->find("add \"HookScript " + hook + "\" to /etc/teredod/teredod.conf"), std::string::npos)
      << *notice;
  EXPECT_FALSE(miredo_hook_notice(client, "x.conf", dir.path() + "/absent"));
  client.hook_script = hook;
  EXPECT_FALSE(miredo_hook_notice(client, "x.conf", hook));
}

}  // namespace
}  // namespace teredo::config
