// Control channel directives: ControlSocket, ControlGroup, MetricsListen.
#include "config/control_settings.hpp"

#include <charconv>

#include "os/net_text.hpp"

namespace teredo::config {

std::variant<os::ListenAddress, std::string> parse_metrics_listen(std::string_view value) {
  const auto colon = value.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return "expected ADDRESS:PORT";
  std::string_view host = value.substr(0, colon);
  const std::string_view port_text = value.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port_text.empty())
    return "expected ADDRESS:PORT";
  if (port < 1024 || port > 65535)
    return "PORT must be 1024 to 65535: the endpoint is opened after privileges are dropped";
  os::ListenAddress at;
  at.port = static_cast<std::uint16_t>(port);
  if (host == "*") return at;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    auto v6 = os::parse_ipv6(host.substr(1, host.size() - 2));
    if (!v6) return "invalid IPv6 address";
    at.host = *v6;
    return at;
  }
  auto v4 = os::parse_ipv4(host);
  if (!v4) return "invalid IPv4 address (use [IPV6]:PORT for IPv6)";
  at.host = *v4;
  return at;
}

ControlSettings load_control_settings(ConfigFile& config, std::string_view default_socket) {
  ControlSettings s;
  s.socket_path = std::string(default_socket);
  if (auto path = config.get_string("ControlSocket")) {
    if (*path == "none") {
      s.socket_path.clear();
    } else if (path->empty() || path->front() != '/' || path->size() > 107) {
      config.add_error("ControlSocket", "invalid value \"" + *path +
                                            "\" for ControlSocket (expected an absolute path of at most 107 "
                                            "characters, or none)");
    } else {
      s.socket_path = *path;
    }
    s.socket_explicit = true;
  }
  if (auto group = config.get_string("ControlGroup")) {
    if (group->empty() || group->find_first_of(" \t/:") != std::string::npos)
      config.add_error("ControlGroup",
                       "invalid value \"" + *group + "\" for ControlGroup (expected a group name)");
    else
      s.group = *group;
  }
  if (auto listen = config.get_string("MetricsListen")) {
    if (const auto at = parse_metrics_listen(*listen); const auto* why = std::get_if<std::string>(&at))
      config.add_error("MetricsListen", "invalid value \"" + *listen + "\" for MetricsListen (" + *why + ")");
    else
      s.metrics_listen = *listen;
  }
  return s;
}

}  // namespace teredo::config
