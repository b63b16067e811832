// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the control channel's directives (config/control_settings).
#include "config/control_settings.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/config_helpers.hpp"

namespace teredo::config {
namespace {

ConfigFile parse(std::string_view text) {
  return test::parse_config(text, "c.conf");
}

TEST(ControlSettings, Defaults) {
  ConfigFile c = parse("");
  ControlSettings s = load_control_settings(c, kDefaultTeredodControlSocket);
  EXPECT_EQ(s.socket_path, "/run/teredod/teredod.sock");
  EXPECT_FALSE(s.socket_explicit);
  EXPECT_FALSE(s.group);
  EXPECT_FALSE(s.metrics_listen);
  EXPECT_FALSE(c.has_errors());
}

TEST(ControlSettings, Directives) {
  ConfigFile c = parse("ControlSocket /tmp/x.sock\nControlGroup teredo\nMetricsListen 127.0.0.1:9464\n");
  ControlSettings s = load_control_settings(c, kDefaultServerControlSocket);
  EXPECT_EQ(s.socket_path, "/tmp/x.sock");
  EXPECT_TRUE(s.socket_explicit);
  EXPECT_EQ(s.group, "teredo");
  EXPECT_EQ(s.metrics_listen, "127.0.0.1:9464");
  EXPECT_FALSE(c.has_errors());
}

// MetricsAuthFile: read at load, refused unless root's alone and unreadable by others, one
// USER:PASSWORD line, and only with MetricsListen.
TEST(ControlSettings, MetricsAuthFile) {
  if (::geteuid() != 0) {
    std::fprintf(stderr, "### SKIPPED: MetricsAuthFile checks need root (a root-owned file)\n");
    GTEST_SKIP() << "needs root";
  }
  char tmpl[] = "/run/teredod-auth.XXXXXX";  // under /run (root's, 755), not /tmp (1777)
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl, file = dir + "/metrics.auth";
  auto write = [&](const std::string& text, mode_t mode) {
    std::ofstream(file) << text;
    ASSERT_EQ(::chmod(file.c_str(), mode), 0);
  };
  write("prometheus:s3cret\n", 0600);
  ConfigFile c = parse("MetricsListen 127.0.0.1:9464\nMetricsAuthFile " + file + "\n");
  ControlSettings s = load_control_settings(c, kDefaultServerControlSocket);
  EXPECT_FALSE(c.has_errors());
  EXPECT_EQ(s.metrics_credentials, "prometheus:s3cret");
  EXPECT_EQ(s.metrics_auth_file, file);
  struct Bad {
    std::string text;
    mode_t mode;
    std::string config;
    std::string message;
  };
  const Bad bad[] = {
      {"prometheus:s3cret\n", 0640, "MetricsListen 127.0.0.1:9464\n", "readable by others than root"},
      {"no colon\n", 0600, "MetricsListen 127.0.0.1:9464\n", "expected one line USER:PASSWORD"},
      {":password\n", 0600, "MetricsListen 127.0.0.1:9464\n", "expected one line USER:PASSWORD"},
      {"prometheus:s3cret\n", 0600, "", "MetricsAuthFile needs MetricsListen"},
  };
  for (const Bad& b : bad) {
    write(b.text, b.mode);
    ConfigFile e = parse(b.config + "MetricsAuthFile " + file + "\n");
    load_control_settings(e, kDefaultServerControlSocket);
    ASSERT_TRUE(e.has_errors()) << b.message;
    const std::string text = e.diagnostics().back().to_string();
    EXPECT_NE(text.find("c.conf:"), std::string::npos) << text;
    EXPECT_NE(text.find(b.message), std::string::npos) << text;
  }
  ConfigFile rel = parse("MetricsListen 127.0.0.1:9464\nMetricsAuthFile metrics.auth\n");
  load_control_settings(rel, kDefaultServerControlSocket);
  EXPECT_TRUE(rel.has_errors());
  std::filesystem::remove_all(dir);
}

TEST(ControlSettings, NoneDisables) {
  ConfigFile c = parse("ControlSocket none\n");
  EXPECT_TRUE(load_control_settings(c, kDefaultTeredodControlSocket).socket_path.empty());
}

TEST(ControlSettings, InvalidValues) {
  for (const char* text :
       {"ControlSocket relative.sock\n", "ControlGroup a/b\n", "MetricsListen 9464\n",
        "MetricsListen 127.0.0.1:80\n", "MetricsListen host:9464\n", "MetricsListen 1.2.3.4:99999\n",
        "MetricsListen 127.0.0.1\n", "MetricsListen 127.0.0.1:x\n", "MetricsListen [zz]:9464\n"}) {
    ConfigFile c = parse(text);
    load_control_settings(c, kDefaultTeredodControlSocket);
    EXPECT_TRUE(c.has_errors()) << text;
  }
}

TEST(ControlSettings, MetricsListenForms) {
  const auto any = parse_metrics_listen("*:9464");
  ASSERT_TRUE(std::holds_alternative<os::ListenAddress>(any)) << std::get<std::string>(any);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(std::get<os::ListenAddress>(any).host));
  EXPECT_EQ(std::get<os::ListenAddress>(any).port, 9464);
  const auto v6 = parse_metrics_listen("[::1]:9464");
  ASSERT_TRUE(std::holds_alternative<os::ListenAddress>(v6)) << std::get<std::string>(v6);
  EXPECT_TRUE(std::holds_alternative<proto::Ipv6Addr>(std::get<os::ListenAddress>(v6).host));
  const auto v4 = parse_metrics_listen("127.0.0.1:9464");
  ASSERT_TRUE(std::holds_alternative<os::ListenAddress>(v4)) << std::get<std::string>(v4);
  EXPECT_EQ(std::get<proto::Ipv4Addr>(std::get<os::ListenAddress>(v4).host), proto::make_ipv4(127, 0, 0, 1));
  EXPECT_EQ(std::get<std::string>(parse_metrics_listen("127.0.0.1:80")),
            "PORT must be 1024 to 65535: the endpoint is opened after privileges are dropped");
}

}  // namespace
}  // namespace teredo::config
