// SPDX-License-Identifier: GPL-2.0-or-later
// teredoctl: queries a running teredod or teredod-server over its control socket (protocol and
// JSON fields in docs/teredoctl.md). Read-only.
//
//   teredoctl [-s|--socket PATH | -i|--instance NAME|all | -r|--role ROLE] COMMAND [--json] [options]
//   (options before or after COMMAND)
//   COMMAND: status | peers [--filter ADDR] [--sort FIELD] [--reverse] [--limit N] | stats [--all]
//            | metrics | list
// Exit: 0 success, 1 daemon not reachable or it answered with an error, 2 usage error.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "config/defaults.hpp"
#include "daemon/version.hpp"
#include "os/directory.hpp"
#include "os/poll_set.hpp"
#include "os/stream_socket.hpp"

namespace {

using json = nlohmann::ordered_json;

constexpr const char* kDefaultSocket = teredo::config::kDefaultTeredodControlSocket;
constexpr const char* kServerSocket = teredo::config::kDefaultServerControlSocket;
// Instances of teredod@.service keep their socket in /run/teredod@NAME/ (their $RUNTIME_DIRECTORY).
constexpr const char* kRunDir = "/run";
constexpr std::string_view kInstancePrefix = "teredod@";
constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr std::chrono::seconds kReplyTimeout{10};
constexpr std::size_t kMaxReply = std::size_t{1} << 30;

void usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: teredoctl [-s PATH | -i NAME|all | -r ROLE] COMMAND [--json] [OPTIONS]\n"
               "Queries a running teredod (default socket %s),\n"
               "teredod-server (%s) or an instance of teredod@.service\n"
               "(/run/teredod@NAME/teredod.sock). Without -s, -i or -r: the default teredod if it runs,\n"
               "otherwise the only daemon running.\n"
               "\n"
               "Commands:\n"
               "  status                 role, state, Teredo address, server, MTU, refresh, relay, uptime\n"
               "  peers                  the peer table; options:\n"
               "      --filter ADDR      IPv6 address, IPv6 prefix (ADDR/LEN) or mapped IPv4 address\n"
               "      --sort FIELD       address (default), mapped, rx, tx, queued, packets or bytes\n"
               "      --reverse          reverse the order\n"
               "      --limit N          at most N peers (default 1000, at most 100000)\n"
               "  stats                  packet, byte and protocol counters, drops by reason\n"
               "      --all              also list the drop reasons whose counter is zero\n"
               "  metrics                the same figures in Prometheus text format\n"
               "  list                   the daemons running: instance, role, state, socket\n"
               "\n"
               "Options (before or after the command):\n"
               "  -s, --socket PATH      control socket (ControlSocket in the configuration)\n"
               "  -i, --instance NAME    teredod (the default unit), server (teredod-server), NAME for\n"
               "                         teredod@NAME, or all: every daemon running, one after another\n"
               "  -r, --role ROLE        client, relay or server: every daemon running in that role\n"
               "      --run-dir DIR      where to look for the daemons' sockets (default /run)\n"
               "  -j, --json             print the daemon's JSON document (stable fields)\n"
               "  -h, --help             this help\n"
               "  -V, --version          version\n"
               "\n"
               "Exit status: 0 success, 1 daemon not reachable or error reply, 2 usage error.\n",
               kDefaultSocket, kServerSocket);
}

struct Options {
  std::string socket;    // -s: empty when not given
  std::string instance;  // -i: empty when not given
  std::string role;      // -r: client, relay or server; empty when not given
  std::string run_dir = kRunDir;
  std::string command;
  bool json_output = false;
  bool all = false;
  std::vector<std::string> request_args;  // peers options, passed to the daemon
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "teredoctl: %s\n", message.c_str());
  std::fprintf(stderr, "Try 'teredoctl --help'.\n");
  std::exit(kExitUsage);
}

Options parse_options(int argc, char** argv) {
  Options o;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    auto value = [&](std::string_view name) -> std::string {
      if (i + 1 >= args.size()) usage_error(std::string("option ") + std::string(name) + " needs a value");
      return std::string(args[++i]);
    };
    if (a == "-h" || a == "--help") {
      usage(stdout);
      std::exit(kExitOk);
    } else if (a == "-V" || a == "--version") {
      std::fputs(teredo::daemon::version_text(std::string("teredoctl ") + teredo::daemon::kVersion).c_str(),
                 stdout);
      std::exit(kExitOk);
    } else if (a == "-s" || a == "--socket") {
      o.socket = value(a);
    } else if (a.rfind("--socket=", 0) == 0) {
      o.socket = std::string(a.substr(9));
    } else if (a == "-i" || a == "--instance") {
      o.instance = value(a);
    } else if (a.rfind("--instance=", 0) == 0) {
      o.instance = std::string(a.substr(11));
    } else if (a == "-r" || a == "--role") {
      o.role = value(a);
    } else if (a == "--run-dir") {
      o.run_dir = value(a);
    } else if (a == "-j" || a == "--json") {
      o.json_output = true;
    } else if (a == "-a" || a == "--all") {
      o.all = true;
    } else if (a == "--filter" || a == "--sort" || a == "--limit") {
      const std::string v = value(a);
      if (v.empty() || v.find_first_of(" \t\r\n") != std::string::npos)
        usage_error(std::string("invalid value for ") + std::string(a));
      o.request_args.emplace_back(a);
      o.request_args.push_back(v);
    } else if (a == "--reverse" || a == "-r") {
      o.request_args.emplace_back("--reverse");
    } else if (!a.empty() && a[0] == '-') {
      usage_error("unknown option " + std::string(a));
    } else if (o.command.empty()) {
      o.command = std::string(a);
    } else {
      usage_error("unexpected argument " + std::string(a));
    }
  }
  if (o.command.empty()) usage_error("no command given (status, peers, stats, metrics or list)");
  if (o.command != "status" && o.command != "peers" && o.command != "stats" && o.command != "metrics" &&
      o.command != "list")
    usage_error("unknown command " + o.command + " (expected status, peers, stats, metrics or list)");
  if (!o.request_args.empty() && o.command != "peers")
    usage_error("--filter, --sort, --reverse and --limit apply to the peers command only");
  if (o.all && o.command != "stats") usage_error("--all applies to the stats command only");
  if (!o.role.empty() && o.role != "client" && o.role != "relay" && o.role != "server")
    usage_error("invalid role " + o.role + " (expected client, relay or server)");
  if (int(!o.socket.empty()) + int(!o.instance.empty()) + int(!o.role.empty()) > 1)
    usage_error("-s, -i and -r cannot be combined");
  if (!o.instance.empty() &&
      (o.instance.find('/') != std::string::npos || o.instance == "." || o.instance == ".."))
    usage_error("invalid instance name " + o.instance);
  if (o.command == "list" && (!o.socket.empty() || !o.instance.empty() || !o.role.empty()))
    usage_error("list looks at every daemon: no -s, -i or -r");
  return o;
}

// Why connecting failed, in the user's terms.
std::string connect_error(const teredo::os::OsError& e) {
  switch (e.code.value()) {
    case ENOENT:
      return "no such socket (is the daemon running? its ControlSocket directive names the path; use -s "
             "PATH)";
    case ECONNREFUSED:
      return "connection refused (the daemon is not running)";
    case EACCES:
    case EPERM:
      return "permission denied (run as root or as a member of the daemon's ControlGroup)";
    case ENOTSOCK:
      return "not a socket";
    default:
      return e.code.message();
  }
}

// Sends `request` and returns the reply text; on failure prints why and returns nullopt.
std::optional<std::string> query_daemon(const std::string& path, const std::string& request) {
  namespace os = teredo::os;
  auto fd = os::connect_unix(path);
  if (!fd) {
    std::fprintf(stderr, "teredoctl: cannot connect to %s: %s\n", path.c_str(),
                 connect_error(fd.error()).c_str());
    return std::nullopt;
  }
  const auto deadline = std::chrono::steady_clock::now() + kReplyTimeout;
  os::PollSet poll;
  // Waits until `events` or the deadline; false (reported) on timeout.
  auto wait = [&](short events) {
    poll.clear();
    poll.add(fd->get(), events);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
            .count();
    auto n = poll.wait(static_cast<int>(std::max<std::int64_t>(0, left)));
    if (n && *n > 0) return true;
    std::fprintf(stderr, "teredoctl: no reply from %s within %lld s\n", path.c_str(),
                 static_cast<long long>(kReplyTimeout.count()));
    return false;
  };
  const std::string line = request + "\n";
  for (std::size_t off = 0; off < line.size();) {
    auto w = os::write_some(*fd, std::span<const char>(line).subspan(off));
    if (!w) {
      std::fprintf(stderr, "teredoctl: sending the request to %s: %s\n", path.c_str(),
                   w.error().message().c_str());
      return std::nullopt;
    }
    if (*w)
      off += **w;
    else if (!wait(os::PollSet::kWritable))
      return std::nullopt;
  }
  os::shutdown_write(*fd);
  std::string reply;
  std::vector<char> buf(65536);
  for (;;) {
    auto r = os::read_some(*fd, buf);
    if (!r) {
      std::fprintf(stderr, "teredoctl: reading the reply from %s: %s\n", path.c_str(),
                   r.error().message().c_str());
      return std::nullopt;
    }
    if (!*r) {
      if (!wait(os::PollSet::kReadable)) return std::nullopt;
      continue;
    }
    if (**r == 0) break;
    reply.append(buf.data(), **r);
    if (reply.size() > kMaxReply) {
      std::fprintf(stderr, "teredoctl: reply from %s too large\n", path.c_str());
      return std::nullopt;
    }
  }
  if (reply.empty()) {
    std::fprintf(stderr, "teredoctl: %s closed the connection without a reply\n", path.c_str());
    return std::nullopt;
  }
  return reply;
}

// ---- human-readable output ----------------------------------------------------------------------

std::string age_text(const json& v) {
  if (!v.is_number()) return "never";
  const double s = v.get<double>();
  if (s < 60) return fmt::format("{:.1f}s", s);
  const auto total = static_cast<long long>(s);
  if (total < 3600) return fmt::format("{}m{:02}s", total / 60, total % 60);
  if (total < 86400) return fmt::format("{}h{:02}m{:02}s", total / 3600, (total / 60) % 60, total % 60);
  return fmt::format("{}d{:02}h{:02}m", total / 86400, (total / 3600) % 24, (total / 60) % 60);
}

std::string text(const json& j, const char* key, const char* absent = "-") {
  if (!j.contains(key) || j[key].is_null()) return absent;
  const json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return v.dump();
}

void row(const std::string& key, const std::string& value) {
  std::printf("%-22s %s\n", (key + ":").c_str(), value.c_str());
}

void print_status(const json& j) {
  const std::string role = text(j, "role");
  row("Role", role == "cone" || role == "restricted" ? "relay (" + role + ")" : role);
  if (j.contains("state")) {
    row("State", text(j, "state") + " (since " + age_text(j["state_age_seconds"]) + " ago)");
    if (j["teredo_address"].is_string()) {
      row("Teredo address", text(j, "teredo_address"));
      row("  server", text(j, "address_server"));
      row("  mapped", text(j, "mapped_address") + ":" + text(j, "mapped_port"));
      row("  flags", text(j, "flags") + (j.value("cone", false) ? " (cone)" : ""));
    } else {
      row("Teredo address", "none (not qualified)");
    }
    row("Server", text(j, "server") + (j.value("using_secondary", false) ? " (secondary)" : ""));
    row("Servers configured", text(j, "server_primary") + ", secondary " + text(j, "server_secondary"));
    if (j["nat"].is_object()) {
      const auto& n = j["nat"];
      const std::string type = text(n, "type");
      std::string line = type == "symmetric" ? "symmetric (mapping differs per server"
                         : type == "cone"    ? "cone (same mapping through both server addresses)"
                                             : "unknown (no answer from the second server address yet)";
      if (type == "symmetric")
        line += std::string(n.value("port_preserving", false) ? ", port-preserving: yes"
                                                              : ", port-preserving: no") +
                "; " + std::to_string(n.value("random_ports", 0)) + " random ports)";
      line +=
          std::string("; symmetric-NAT support ") + (n.value("symmetric_nat_support", false) ? "on" : "off");
      line += std::string(", hairpinning ") + (n.value("hairpinning", false) ? "on" : "off");
      line += std::string(", port-preserving ") + (n.value("port_preserving_nat", false) ? "on" : "off");
      line += std::string(", sequential ") + (n.value("sequential_nat", false) ? "on" : "off");
      if (n["local"].is_string()) line += " (local " + text(n, "local") + ")";
      line += std::string(", local discovery ") + (n.value("local_discovery", false) ? "on" : "off");
      if (n.value("local_discovery", false))
        line += " (" + std::to_string(n.value("local_peers", 0)) + " local peers)";
      row("NAT", line);
      if (n.contains("upnp")) {
        const std::string upnp = text(n, "upnp");
        row("UPnP", upnp + (n["upnp_detail"].is_string() ? " (" + text(n, "upnp_detail") + ")" : ""));
      }
    }
    if (j.contains("authentication") && j["authentication"].is_object()) {
      const auto& a = j["authentication"];
      row("Authentication",
          "client id " + text(a, "client_id") + " (" + text(a, "algorithm") + ")" +
              (a.value("key_renewal_requested", false) ? "; the server asks for a new key" : ""));
    } else {
      row("Authentication", "nonce only");
    }
    row("Last refresh", j["last_refresh_age_seconds"].is_number()
                            ? age_text(j["last_refresh_age_seconds"]) + " ago"
                            : "unknown");
    row("Next refresh", j["next_refresh_in_seconds"].is_number()
                            ? "in " + age_text(j["next_refresh_in_seconds"])
                            : "unknown");
    if (j["native_relay"].is_object()) {
      const json& r = j["native_relay"];
      row("Native IPv6 relay", text(r, "relay") + " (via " + text(r, "address") + ", heard " +
                                   age_text(r["last_receive_age_seconds"]) + " ago)");
    } else {
      row("Native IPv6 relay", "none yet");
    }
  }
  if (role == "server") {
    row("Addresses", text(j, "server_primary") + ", " + text(j, "server_secondary") + " (UDP 3544)");
    row("Workers", text(j, "workers"));
  }
  if (j.contains("prefix")) row("Prefix", text(j, "prefix"));
  if (role != "server" && j.contains("worker_peers") && j["worker_peers"].size() > 1) {
    std::string w;
    for (const auto& v : j["worker_peers"])
      w += (w.empty() ? "" : ", ") + std::to_string(v.get<std::size_t>());
    row("Workers", text(j, "workers") + " (peers each: " + w + ")");
  }
  row("MTU", text(j, "mtu"));
  if (j.contains("offloads")) {
    std::string o;
    for (const auto& v : j["offloads"]) o += (o.empty() ? "" : ", ") + v.get<std::string>();
    if (role != "server") row("Offloads", o.empty() ? "none" : o);
  }
  if (j.contains("peers"))
    row("Peers", text(j, "peers") + " (max " + text(j, "max_peers") + "), " + text(j, "queued_packets") +
                     " packets queued");
  row("Version",
      text(j, "version") + (j.contains("revision") ? " (revision " + text(j, "revision") + ")" : ""));
  row("Uptime", age_text(j["uptime_seconds"]));
}

// Prints `rows` (the first is the header) in columns two spaces apart, each as wide as its widest
// cell: left-aligned, right-aligned from column `first_right` on; the last column is not padded.
void print_table(const std::vector<std::vector<std::string>>& rows, std::size_t first_right) {
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) {
      const std::string pad(width[c] - r[c].size(), ' ');
      line += c >= first_right ? pad + r[c] : r[c] + (c + 1 < r.size() ? pad : "");
      if (c + 1 < r.size()) line += "  ";
    }
    std::printf("%s\n", line.c_str());
  }
}

void print_peers(const json& j) {
  const json& peers = j["peers"];
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"ADDRESS", "TYPE", "MAPPED", "TRUSTED", "LAST RX", "LAST TX", "QUEUED", "PKTS IN",
                  "PKTS OUT", "BYTES IN", "BYTES OUT"});
  for (const json& p : peers) {
    rows.push_back({text(p, "address"), text(p, "type"),
                    text(p, "mapped_address") + ":" + text(p, "mapped_port"),
                    p.value("trusted", false) ? "yes" : "no", age_text(p["last_receive_age_seconds"]),
                    age_text(p["last_send_age_seconds"]), text(p, "queued_packets"), text(p, "packets_in"),
                    text(p, "packets_out"), text(p, "bytes_in"), text(p, "bytes_out")});
  }
  print_table(rows, 4);  // ages and counts to the right
  std::printf("%s of %s peers shown\n", text(j, "count").c_str(), text(j, "total").c_str());
}

void print_stats(const json& j, bool all) {
  std::vector<std::pair<std::string, std::string>> lines;
  for (const auto& [k, v] : j["counters"].items()) lines.emplace_back(k, v.dump());
  if (j.contains("peers")) lines.emplace_back("peers", text(j, "peers"));
  if (j.contains("queued_packets")) lines.emplace_back("queued_packets", text(j, "queued_packets"));
  std::size_t width = 0;
  for (const auto& [k, v] : lines) width = std::max(width, k.size());
  for (const auto& [k, v] : j["drops"].items()) width = std::max(width, k.size() + 2);
  std::printf("Counters (%s, up %s):\n", text(j, "role").c_str(), age_text(j["uptime_seconds"]).c_str());
  for (const auto& [k, v] : lines)
    std::printf("  %-*s %12s\n", static_cast<int>(width), k.c_str(), v.c_str());
  std::printf("Drops by reason (total %s):\n", text(j, "drops_total").c_str());
  std::size_t zero = 0;
  for (const auto& [k, v] : j["drops"].items()) {
    if (!all && v.get<std::uint64_t>() == 0) {
      ++zero;
      continue;
    }
    std::printf("  %-*s %12s\n", static_cast<int>(width), k.c_str(), v.dump().c_str());
  }
  if (zero != 0 && zero == j["drops"].size())
    std::printf("  (all %zu reasons at 0; --all lists them)\n", zero);
  else if (zero != 0)
    std::printf("  (%zu other reasons at 0; --all lists them)\n", zero);
}

// ---- which daemon ------------------------------------------------------------------------------

struct Daemon {
  std::string name;    // teredod, server, or the instance name of teredod@NAME
  std::string socket;  // its control socket
};

std::string instance_socket(const Options& o, const std::string& name) {
  if (name == "teredod") return kDefaultSocket;
  if (name == "server" || name == "teredod-server") return kServerSocket;
  return o.run_dir + "/" + std::string(kInstancePrefix) + name + "/" +
         teredo::config::kTeredodControlSocketName;
}

// The daemons whose socket exists: the default teredod, the server, then teredod@NAME instances.
std::vector<Daemon> find_daemons(const Options& o) {
  std::vector<Daemon> out;
  if (teredo::os::is_socket(kDefaultSocket)) out.push_back({"teredod", kDefaultSocket});
  if (teredo::os::is_socket(kServerSocket)) out.push_back({"server", kServerSocket});
  for (const std::string& entry : teredo::os::directory_entries(o.run_dir)) {
    if (entry.size() <= kInstancePrefix.size() || entry.rfind(kInstancePrefix, 0) != 0) continue;
    const std::string name = entry.substr(kInstancePrefix.size());
    if (std::string path = instance_socket(o, name); teredo::os::is_socket(path)) out.push_back({name, path});
  }
  return out;
}

std::string names_of(const std::vector<Daemon>& daemons) {
  std::string out;
  for (const Daemon& d : daemons) out += (out.empty() ? "" : ", ") + d.name;
  return out;
}

// What -s, -i or nothing designates. Without either: the default teredod when its socket exists
// (or when nothing runs, so that the error names the usual path), else the only daemon running.
std::vector<Daemon> chosen_daemons(const Options& o) {
  if (!o.socket.empty()) return {{o.socket, o.socket}};
  if (o.instance == "all") {
    auto all = find_daemons(o);
    if (all.empty()) {
      std::fprintf(stderr, "teredoctl: no daemon is running (no control socket in %s, %s or %s/%sNAME/)\n",
                   kDefaultSocket, kServerSocket, o.run_dir.c_str(), std::string(kInstancePrefix).c_str());
      std::exit(kExitError);
    }
    return all;
  }
  if (!o.instance.empty()) return {{o.instance, instance_socket(o, o.instance)}};
  if (teredo::os::is_socket(kDefaultSocket)) return {{"teredod", kDefaultSocket}};
  auto found = find_daemons(o);
  if (found.size() > 1)
    usage_error("several daemons are running (" + names_of(found) +
                "): choose one with -i NAME, or -i all for every one");
  if (found.empty()) return {{"teredod", kDefaultSocket}};
  return found;
}

// Asks one daemon and prints its answer; the JSON document goes to `collect` instead when given.
int run_one(const Options& o, const std::string& request, const Daemon& d, json* collect) {
  const auto reply = query_daemon(d.socket, request);
  if (!reply) return kExitError;
  json j = json::parse(*reply, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("ok")) {
    std::fprintf(stderr, "teredoctl: invalid reply from %s (not a teredod control socket?)\n",
                 d.socket.c_str());
    return kExitError;
  }
  if (!j.value("ok", false)) {
    if (o.json_output && collect == nullptr) std::printf("%s\n", j.dump(2).c_str());
    std::fprintf(stderr, "teredoctl: %s: %s\n", d.socket.c_str(),
                 j.value("error", std::string("error")).c_str());
    if (collect != nullptr) *collect = std::move(j);
    return kExitError;
  }
  if (collect != nullptr) {
    *collect = std::move(j);
    return kExitOk;
  }
  if (o.json_output) {
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  try {
    if (o.command == "status")
      print_status(j);
    else if (o.command == "peers")
      print_peers(j);
    else if (o.command == "stats")
      print_stats(j, o.all);
    else
      std::fputs(j.value("text", std::string()).c_str(), stdout);
  } catch (const json::exception& e) {
    std::fprintf(stderr, "teredoctl: unexpected reply from %s: %s\n", d.socket.c_str(), e.what());
    return kExitError;
  }
  return kExitOk;
}

// -r ROLE: every daemon running whose status names that role (a relay's is cone or restricted).
std::vector<Daemon> role_daemons(const Options& o) {
  std::vector<Daemon> out;
  for (const Daemon& d : find_daemons(o)) {
    json status;
    if (run_one(o, "status", d, &status) != kExitOk) continue;
    const std::string role = text(status, "role");
    if (role == o.role || (o.role == "relay" && (role == "cone" || role == "restricted"))) out.push_back(d);
  }
  if (out.empty()) {
    std::fprintf(stderr, "teredoctl: no running daemon is a %s\n", o.role.c_str());
    std::exit(kExitError);
  }
  return out;
}

// `teredoctl list`: each daemon running, with the role and state its status gives.
int list_daemons(const Options& o) {
  const auto daemons = find_daemons(o);
  json all = json::array();
  std::vector<std::vector<std::string>> rows{{"INSTANCE", "ROLE", "STATE", "SOCKET"}};
  int rc = kExitOk;
  for (const Daemon& d : daemons) {
    json status;
    if (run_one(o, "status", d, &status) != kExitOk) rc = kExitError;
    const std::string role = status.is_object() ? text(status, "role") : "-";
    const std::string state = status.is_object()
                                  ? text(status, "state", status.value("ok", false) ? "running" : "-")
                                  : "not answering";
    all.push_back({{"instance", d.name}, {"socket", d.socket}, {"role", role}, {"state", state}});
    rows.push_back({d.name, role, state, d.socket});
  }
  if (o.json_output) {
    std::printf("%s\n", all.dump(2).c_str());
  } else if (daemons.empty()) {
    std::fprintf(stderr, "teredoctl: no daemon is running\n");
  } else {
    print_table(rows, rows[0].size());
  }
  return daemons.empty() ? kExitError : rc;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  if (o.command == "list") return list_daemons(o);
  std::string request = o.command;
  for (const std::string& a : o.request_args) request += " " + a;
  const auto daemons = o.role.empty() ? chosen_daemons(o) : role_daemons(o);
  if (daemons.size() == 1 && o.instance != "all") return run_one(o, request, daemons.front(), nullptr);
  // -i all, or -r with several daemons of that role: one section per daemon (text), or one object
  // keyed by instance (JSON).
  int rc = kExitOk;
  json all = json::object();
  for (std::size_t i = 0; i < daemons.size(); ++i) {
    const Daemon& d = daemons[i];
    if (o.json_output) {
      json doc;
      if (run_one(o, request, d, &doc) != kExitOk) rc = kExitError;
      all[d.name] = std::move(doc);
      continue;
    }
    std::printf("%s== %s (%s) ==\n", i == 0 ? "" : "\n", d.name.c_str(), d.socket.c_str());
    std::fflush(stdout);
    if (run_one(o, request, d, nullptr) != kExitOk) rc = kExitError;
  }
  if (o.json_output) std::printf("%s\n", all.dump(2).c_str());
  return rc;
}
