// SPDX-License-Identifier: GPL-2.0-or-later
// The control thread: the control socket and the metrics endpoint, served by one poll loop.
#include "control/server.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <string_view>
#include <system_error>
#include <vector>

#include "control/http.hpp"
#include "control/metrics.hpp"
#include "daemon/log.hpp"
#include "os/poll_set.hpp"
#include "os/process.hpp"
#include "os/stream_socket.hpp"
#include "os/trusted_path.hpp"

namespace teredo::control {

namespace log = daemon::log;

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kControlReadTimeout{2000};
constexpr std::chrono::milliseconds kHttpReadTimeout{5000};
constexpr std::chrono::milliseconds kWriteTimeout{5000};
constexpr int kAcceptBackoffMs = 100;
constexpr int kControlThreadNice = 10;

// One client: a request read until complete, then a reply written until sent.
struct Connection {
  os::Fd fd;
  bool http = false;
  std::string in;
  std::string out;
  std::size_t sent = 0;
  bool writing = false;
  bool done = false;
  Clock::time_point accepted;
  Clock::time_point deadline;
  std::string who;  // a control client: "uid U, pid P" (SO_PEERCRED), logged with its request
};

// The request as a log can show it: printable ASCII, at most 80 characters.
std::string printable(std::string_view line) {
  std::string out;
  for (const char c : line.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (line.size() > 80) out += "...";
  return out;
}

std::string control_reply(const std::string& line, const SnapshotProvider& provider) {
  for (const char c : line)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == '\0')
      return control_error_reply("malformed request");
  try {
    return handle_control_request(line, provider);
  } catch (const std::exception& e) {
    return control_error_reply(std::string("internal error: ") + e.what());
  }
}

std::string metrics_reply(const HttpRequest& request, const SnapshotProvider& provider,
                          std::string_view authorization) {
  return http_reply(
      request,
      [&](bool head) {
        try {
          return http_response(200, kMetricsContentType, metrics_text(scrape_families(provider)), head);
        } catch (const std::exception&) {
          return http_response(503, "text/plain", "internal error\n", head);
        }
      },
      authorization);
}

// What the connection's request asks, once it is complete (or broken): the reply, or nullopt to
// read on. `eof`: the client closed its side.
std::optional<std::string> reply_if_complete(Connection& c, bool eof, const SnapshotProvider& provider,
                                             std::string_view authorization) {
  if (!c.http) {
    if (const auto nl = c.in.find('\n'); nl != std::string::npos) {
      std::string line = c.in.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      log::info("Control request \"{}\" from {}", printable(line), c.who);
      return control_reply(line, provider);
    }
    if (c.in.size() >= kMaxControlRequest) {
      log::info("Control request of {}+ bytes from {}: refused", c.in.size(), c.who);
      return control_error_reply("request too long");
    }
    if (eof && !c.in.empty()) {  // EOF ends a request as a newline does
      log::info("Control request \"{}\" from {}", printable(c.in), c.who);
      return control_reply(c.in, provider);
    }
    return std::nullopt;
  }
  HttpRequest request;
  switch (parse_http_head(c.in, request)) {
    case HttpHead::Complete:
      return metrics_reply(request, provider, authorization);
    case HttpHead::Malformed:
      return http_response(400, "text/plain", "bad request\n");
    case HttpHead::TooLarge:
      return http_response(431, "text/plain", "request head too large\n");
    case HttpHead::Incomplete:
      break;
  }
  return std::nullopt;
}

void start_reply(Connection& c, std::string reply) {
  c.out = std::move(reply);
  c.sent = 0;
  c.writing = true;
  c.deadline = Clock::now() + kWriteTimeout;
}

void on_readable(Connection& c, const SnapshotProvider& provider, std::string_view authorization) {
  std::array<char, 2048> buf{};
  for (;;) {
    auto r = os::read_some(c.fd, buf);
    if (!r) {
      c.done = true;
      return;
    }
    if (!*r) return;  // nothing more for now
    const bool eof = **r == 0;
    c.in.append(buf.data(), **r);
    if (auto reply = reply_if_complete(c, eof, provider, authorization)) {
      start_reply(c, std::move(*reply));
      return;
    }
    if (eof) {
      c.done = true;
      return;
    }
  }
}

void on_writable(Connection& c) {
  while (c.sent < c.out.size()) {
    auto w = os::write_some(c.fd, std::span<const char>(c.out).subspan(c.sent));
    if (!w) {
      c.done = true;
      return;
    }
    if (!*w) return;  // the send buffer is full: wait
    c.sent += **w;
  }
  os::shutdown_write(c.fd);
  c.done = true;
}

void on_deadline(Connection& c) {
  if (c.writing) {
    c.done = true;  // the client does not read its reply: give up
    return;
  }
  start_reply(c, c.http ? http_response(408, "text/plain", "timed out waiting for the request\n")
                        : control_error_reply("timed out waiting for the request line"));
}

// Full: the connection that has waited longest for its request makes room for a new one, so that
// clients holding connections open cannot keep everybody else out. False when every connection is
// being answered.
bool evict_oldest_reader(std::vector<Connection>& connections) {
  auto oldest = connections.end();
  for (auto it = connections.begin(); it != connections.end(); ++it)
    if (!it->writing && (oldest == connections.end() || it->accepted < oldest->accepted)) oldest = it;
  if (oldest == connections.end()) return false;
  connections.erase(oldest);
  return true;
}

int milliseconds_until(Clock::time_point t) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(t - Clock::now()).count();
  return static_cast<int>(std::clamp<std::int64_t>(left, 0, 60000));
}

}  // namespace

std::optional<std::unique_ptr<ControlServer>> ControlServer::open(const config::ControlSettings& settings) {
  if (settings.socket_path.empty()) {
    log::info("Control socket disabled (ControlSocket none)");
    return std::unique_ptr<ControlServer>();
  }
  std::optional<unsigned> gid;
  if (settings.group) {
    gid = os::group_id(*settings.group);
    if (!gid) {
      log::alert("ControlGroup {}: no such group", *settings.group);
      return std::nullopt;
    }
  }
  // Its directory must be root's and writable by root alone (it is created so when missing):
  // whoever may write there could put a socket of their own in its place for teredoctl to ask.
  const std::string dir =
      settings.socket_path.substr(0, std::max<std::size_t>(settings.socket_path.rfind('/'), 1));
  if (os::directory_exists(dir)) {
    if (auto problem = os::untrusted_directory_problem(dir, false)) {
      log::alert("Control socket {} refused: {} (set ControlSocket to a path in a directory of root's)",
                 settings.socket_path, *problem);
      return std::nullopt;
    }
  }
  auto listener = os::listen_unix(settings.socket_path, gid);
  if (!listener) {
    if (settings.socket_explicit) {
      log::alert("Cannot create the control socket {}: {}", settings.socket_path, listener.error().message());
      return std::nullopt;
    }
    log::warning("Cannot create the control socket {}: {}; running without one (set ControlSocket)",
                 settings.socket_path, listener.error().message());
    return std::unique_ptr<ControlServer>();
  }
  auto stop = os::EventFd::open();
  if (!stop) {
    log::alert("Cannot create the control channel: {}", stop.error().message());
    os::remove_socket_file(settings.socket_path);
    return std::nullopt;
  }
  std::unique_ptr<ControlServer> server(new ControlServer(settings, std::move(*listener), std::move(*stop)));
  log::info("Control socket {} ({})", settings.socket_path,
            settings.group ? "root and group " + *settings.group + ", mode 0660"
                           : std::string("root only, mode 0600"));
  return server;
}

bool ControlServer::listen(SnapshotProvider provider) {
  provider_ = std::move(provider);
  if (!settings_.metrics_listen) return true;
  // Checked when the configuration was read: only a kernel refusal can fail here.
  const auto at = config::parse_metrics_listen(*settings_.metrics_listen);
  if (const auto* why = std::get_if<std::string>(&at)) {
    log::alert("Cannot serve metrics on {}: {}", *settings_.metrics_listen, *why);
    return false;
  }
  auto http = os::listen_tcp(std::get<os::ListenAddress>(at));
  if (!http) {
    log::alert("Cannot serve metrics on {}: {}", *settings_.metrics_listen, http.error().message());
    return false;
  }
  http_ = std::move(*http);
  log::info("Prometheus metrics on http://{}/metrics", *settings_.metrics_listen);
  return true;
}

bool ControlServer::start() {
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    log::alert("Cannot start the control thread: {}", e.what());
    return false;
  }
  return true;
}

ControlServer::~ControlServer() {
  if (thread_.joinable()) {
    stop_.signal();
    thread_.join();
  }
  // Usually fails once privileges are dropped (root's directory); the next start replaces it.
  os::remove_socket_file(settings_.socket_path);
}

void ControlServer::run() {
  // Answering (a peers reply of 100000 entries is some 50 MB of JSON) never takes a CPU from the
  // data path: on a machine with as many busy workers as CPUs, the workers win.
  os::lower_thread_priority(kControlThreadNice);
  std::vector<Connection> connections;
  os::PollSet poll;
  for (;;) {
    poll.clear();
    const std::size_t stop_at = poll.add(stop_.fd(), os::PollSet::kReadable);
    const std::size_t unix_at = poll.add(unix_.get(), os::PollSet::kReadable);
    const std::size_t http_at = http_ ? poll.add(http_.get(), os::PollSet::kReadable) : poll.size();
    const std::size_t first = poll.size();
    int timeout = -1;
    for (const Connection& c : connections) {
      poll.add(c.fd.get(), c.writing ? os::PollSet::kWritable : os::PollSet::kReadable);
      const int left = milliseconds_until(c.deadline);
      timeout = timeout < 0 ? left : std::min(timeout, left);
    }
    if (auto n = poll.wait(timeout); !n) {
      log::error("control thread stopped: {}", n.error().message());
      return;
    }
    if (poll.ready(stop_at)) return;
    for (std::size_t i = 0; i < connections.size(); ++i) {
      Connection& c = connections[i];
      if (poll.ready(first + i)) {
        if (c.writing)
          on_writable(c);
        else
          on_readable(c, provider_, authorization_);
        if (c.writing && !c.done) on_writable(c);  // a reply that fits the socket goes at once
      }
      if (!c.done && Clock::now() >= c.deadline) {
        on_deadline(c);
        if (!c.done) on_writable(c);
      }
    }
    std::erase_if(connections, [](const Connection& c) { return c.done; });
    for (const auto& [at, is_http] : {std::pair{unix_at, false}, std::pair{http_at, true}}) {
      if (at >= first || !poll.ready(at)) continue;
      const os::Fd& listener = is_http ? http_ : unix_;
      for (;;) {
        auto conn = os::accept_connection(listener);
        if (!conn) {
          log::warning("control channel: {}", conn.error().message());
          os::sleep_ms(kAcceptBackoffMs);  // do not spin while out of descriptors
          break;
        }
        if (!*conn) break;
        if (connections.size() >= kMaxConnections && !evict_oldest_reader(connections))
          continue;  // closed at once
        Connection c;
        c.fd = std::move(**conn);
        c.http = is_http;
        if (!is_http) {
          const auto cred = os::peer_credentials(c.fd);
          c.who = cred ? fmt::format("uid {}, pid {}", cred->uid, cred->pid) : std::string("an unknown peer");
        }
        c.accepted = Clock::now();
        c.deadline = c.accepted + (is_http ? kHttpReadTimeout : kControlReadTimeout);
        connections.push_back(std::move(c));
      }
    }
  }
}

}  // namespace teredo::control
