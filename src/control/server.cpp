// Control socket creation and the control thread.
#include "control/server.hpp"

#include <grp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>
#include <vector>

#include "daemon/log.hpp"

namespace teredo::control {

namespace log = daemon::log;

namespace {

constexpr std::chrono::milliseconds kReadTimeout{2000};
constexpr std::chrono::milliseconds kWriteTimeout{5000};
constexpr std::chrono::milliseconds kDataPathTimeout{2000};

std::string errno_text(const char* what, int err = errno) { return std::string(what) + ": " + std::strerror(err); }

bool make_address(const std::string& path, sockaddr_un& sa) {
  sa = {};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) return false;
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  return true;
}

// Milliseconds left until `deadline`, at least 0.
int left_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

}  // namespace

std::variant<os::Fd, std::string> create_control_socket(const std::string& path, std::optional<unsigned> gid) {
  sockaddr_un sa{};
  if (!make_address(path, sa)) return std::string("path too long");
  // The directory (e.g. /run/teredod): create it if missing, root-owned, world-searchable.
  if (const auto slash = path.rfind('/'); slash != std::string::npos && slash > 0) {
    const std::string dir = path.substr(0, slash);
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
      if (errno != ENOENT || ::mkdir(dir.c_str(), 0755) != 0) return errno_text(("directory " + dir).c_str());
    } else if (!S_ISDIR(st.st_mode)) {
      return dir + " is not a directory";
    }
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return "exists and is not a socket";
    os::Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!probe) return errno_text("socket");
    if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0)
      return "in use by another running process";
    if (::unlink(path.c_str()) != 0) return errno_text("unlink(stale socket)");
  }
  os::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return errno_text("socket");
  // The file is born with its final owner and mode: root:root 0600, or root:GROUP 0660 (created
  // under that effective group: no CAP_CHOWN needed, no window with wider access).
  if (gid && ::setegid(static_cast<gid_t>(*gid)) != 0) return errno_text("setegid(ControlGroup)");
  const mode_t old_mask = ::umask(gid ? 0117 : 0177);
  const int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  const int bind_errno = errno;
  ::umask(old_mask);
  if (gid && ::setegid(::getgid()) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    return errno_text("setegid", err);
  }
  if (rc != 0) return errno_text("bind", bind_errno);
  if (::listen(fd.get(), 16) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    return errno_text("listen", err);
  }
  return fd;
}

bool ControlServer::open(const config::ControlSettings& settings, std::unique_ptr<ControlServer>& out) {
  out.reset();
  if (settings.socket_path.empty()) {
    log::info("Control socket disabled (ControlSocket none)");
    return true;
  }
  std::optional<unsigned> gid;
  if (settings.group) {
    std::vector<char> buf(16384);
    group gr{};
    group* found = nullptr;
    const int rc = ::getgrnam_r(settings.group->c_str(), &gr, buf.data(), buf.size(), &found);
    if (rc != 0 || found == nullptr) {
      log::alert("ControlGroup {}: no such group", *settings.group);
      return false;
    }
    gid = found->gr_gid;
  }
  auto created = create_control_socket(settings.socket_path, gid);
  if (auto* err = std::get_if<std::string>(&created)) {
    if (settings.socket_explicit) {
      log::alert("Cannot create the control socket {}: {}", settings.socket_path, *err);
      return false;
    }
    log::warning("Cannot create the control socket {}: {}; running without one (set ControlSocket)",
                 settings.socket_path, *err);
    return true;
  }
  os::Fd stop(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!stop) {
    log::alert("Cannot create eventfd: {}", std::strerror(errno));
    return false;
  }
  if (settings.metrics_listen) {
    // The HTTP endpoint's module (prometheus-cpp) is loaded now, while the file system is still
    // visible: the exporter itself starts after the chroot (start_metrics).
    if (std::string why = MetricsExporter::load_module(); !why.empty()) {
      log::alert("Cannot serve metrics on {}: {}", *settings.metrics_listen, why);
      ::unlink(settings.socket_path.c_str());
      return false;
    }
  }
  out.reset(new ControlServer(settings, std::move(std::get<os::Fd>(created)), std::move(stop)));
  log::info("Control socket {} ({})", settings.socket_path,
            settings.group ? "root and group " + *settings.group + ", mode 0660" : std::string("root only, mode 0600"));
  return true;
}

ControlPort& ControlServer::port() {
  if (!port_) {
    auto p = ControlPort::create();
    if (!p) throw std::system_error(p.error().code, p.error().operation);
    port_ = std::move(*p);
  }
  return *port_;
}

bool ControlServer::start_metrics(SnapshotProvider provider) {
  if (provider) {
    provider_ = std::move(provider);
  } else {
    ControlPort* p = &port();
    provider_ = [p](const PeerQuery& q) { return p->request(q, kDataPathTimeout); };
  }
  if (settings_.metrics_listen) {
    try {
      metrics_ = std::make_unique<MetricsExporter>(*settings_.metrics_listen, provider_);
    } catch (const std::exception& e) {
      log::alert("Cannot serve metrics on {}: {}", *settings_.metrics_listen, e.what());
      return false;
    }
    log::info("Prometheus metrics on http://{}/metrics", *settings_.metrics_listen);
  }
  return true;
}

bool ControlServer::start() {
  if (!provider_ && !start_metrics()) return false;
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
    const std::uint64_t one = 1;
    (void)!::write(stop_.get(), &one, sizeof one);
    thread_.join();
  }
  metrics_.reset();
  // Usually fails once privileges are dropped (root's directory); the next start replaces it.
  (void)::unlink(settings_.socket_path.c_str());
}

void ControlServer::run() {
  std::array<pollfd, 2> fds{{{listen_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}}};
  for (;;) {
    const int n = ::poll(fds.data(), fds.size(), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      log::error("control thread stopped: poll: {}", std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    os::Fd conn(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!conn) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        log::warning("control socket: accept: {}", std::strerror(errno));
        ::poll(nullptr, 0, 100);  // do not spin while out of descriptors
      }
      continue;
    }
    serve_connection(conn.get());
  }
}

void ControlServer::serve_connection(int fd) {
  // Read one line: at most kMaxControlRequest bytes, within kReadTimeout.
  std::string line;
  std::array<char, 512> buf{};
  const auto read_deadline = std::chrono::steady_clock::now() + kReadTimeout;
  bool complete = false;
  std::string reply;
  while (!complete) {
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, left_ms(read_deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      reply = control_error_reply("timed out waiting for the request line");
      break;
    }
    const ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return;
    }
    if (r == 0) {
      complete = !line.empty();  // EOF ends the request as well as a newline does
      if (!complete) return;
      break;
    }
    line.append(buf.data(), static_cast<std::size_t>(r));
    if (const auto nl = line.find('\n'); nl != std::string::npos) {
      line.resize(nl);
      complete = true;
    } else if (line.size() >= kMaxControlRequest) {
      reply = control_error_reply("request too long");
      break;
    }
  }
  if (complete) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    bool printable = true;
    for (const char c : line)
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t') printable = false;
    if (!printable || line.find('\0') != std::string::npos) {
      reply = control_error_reply("malformed request");
    } else {
      try {
        reply = handle_control_request(line, provider_);
      } catch (const std::exception& e) {
        reply = control_error_reply(std::string("internal error: ") + e.what());
      }
    }
  }
  const auto write_deadline = std::chrono::steady_clock::now() + kWriteTimeout;
  std::size_t off = 0;
  while (off < reply.size()) {
    const ssize_t w = ::send(fd, reply.data() + off, reply.size() - off, MSG_NOSIGNAL);
    if (w > 0) {
      off += static_cast<std::size_t>(w);
      continue;
    }
    if (w < 0 && errno != EAGAIN && errno != EINTR) return;
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, left_ms(write_deadline)) <= 0) return;
  }
}

ControlSnapshot server_snapshot(const core::ServerConfig& config, unsigned workers, const core::ServerCounters& c,
                                const proto::DropCounters& drops) {
  ControlSnapshot s;
  fill_process_info(s);
  s.role = "server";
  s.server = ServerStatus{config.primary, config.secondary, config.prefix, config.mtu, workers};
  s.counters = {{"received", c.received},
                {"router_solicitations", c.router_solicitations},
                {"router_advertisements", c.router_advertisements},
                {"forwarded_teredo", c.forwarded_teredo},
                {"forwarded_native", c.forwarded_native},
                {"bubbles_forwarded", c.bubbles_forwarded},
                {"echo_forwarded", c.echo_forwarded}};
  s.drops = drops;
  return s;
}

}  // namespace teredo::control
