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
