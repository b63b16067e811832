// SPDX-License-Identifier: GPL-2.0-or-later
// Control channel directives: ControlSocket, ControlGroup, MetricsListen.
#include "config/control_settings.hpp"

#include <charconv>
#include <filesystem>
#include <system_error>

#include "os/net_text.hpp"
#include "os/process.hpp"
#include "os/trusted_path.hpp"

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

MetricsCredentials read_metrics_credentials(const std::string& path) {
  auto problem = [](std::string why) { return MetricsCredentials{std::nullopt, std::move(why)}; };
  if (path.empty() || path.front() != '/') return problem("expected an absolute path");
  // Whoever may replace the file or read it has the password: root's alone, as for OpenSSH's keys.
  if (auto why = os::untrusted_path_problem(path)) return problem(*why);
  std::error_code ec;
  const auto perms = std::filesystem::status(path, ec).permissions();
  if (ec) return problem(ec.message());
  using P = std::filesystem::perms;
  if ((perms & (P::group_all | P::others_all)) != P::none)
    return problem("readable by others than root (make it mode 0600 or 0400)");
  auto text = os::read_file(path);
  if (!text) return problem(text.error().message());
  std::string_view line = *text;
  line = line.substr(0, line.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == line.size())
    return problem("expected one line USER:PASSWORD");
  if (line.size() > 255) return problem("the line is longer than 255 characters");
  for (const char c : line)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return problem("control characters in the line");
  return MetricsCredentials{std::string(line), {}};
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
  if (auto path = config.get_string("MetricsAuthFile")) {
    MetricsCredentials credentials = read_metrics_credentials(*path);
    if (!credentials.line) {
      config.add_error("MetricsAuthFile", "MetricsAuthFile " + *path + ": " + credentials.problem);
    } else if (!s.metrics_listen) {
      config.add_error("MetricsAuthFile", "MetricsAuthFile needs MetricsListen");
    } else {
      s.metrics_auth_file = *path;
      s.metrics_credentials = std::move(credentials.line);
    }
  }
  return s;
}

}  // namespace teredo::config
