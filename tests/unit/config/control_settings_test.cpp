// Tests for the control channel's directives (config/control_settings).
#include "config/control_settings.hpp"

#include <gtest/gtest.h>

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

TEST(ControlSettings, NoneDisables) {
  ConfigFile c = parse("ControlSocket none\n");
  EXPECT_TRUE(load_control_settings(c, kDefaultTeredodControlSocket).socket_path.empty());
}

TEST(ControlSettings, InvalidValues) {
  for (const char* text :
       {"ControlSocket relative.sock\n", "ControlGroup a/b\n", "MetricsListen 9464\n",
        "MetricsListen 127.0.0.1:80\n", "MetricsListen host:9464\n", "MetricsListen 1.2.3.4:99999\n"}) {
    ConfigFile c = parse(text);
    load_control_settings(c, kDefaultTeredodControlSocket);
    EXPECT_TRUE(c.has_errors()) << text;
  }
  EXPECT_EQ(check_metrics_listen("*:9464"), "");
  EXPECT_EQ(check_metrics_listen("[::1]:9464"), "");
}

}  // namespace
}  // namespace teredo::config
