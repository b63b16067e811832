// SPDX-License-Identifier: GPL-2.0-or-later
// The supervisor process: configuration, pidfile, systemd notification, worker lifecycle and
// reload (supervisor.hpp).
#include "daemon/supervisor.hpp"

#include <csignal>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <thread>
#include <utility>

#include "daemon/daemon_setup.hpp"
#include "daemon/log.hpp"
#include "os/child.hpp"
#include "os/daemonize.hpp"
#include "os/heartbeat.hpp"
#include "os/log_forward.hpp"
#include "os/notify.hpp"
#include "os/poll_set.hpp"
#include "os/process.hpp"
#include "os/runtime_directory.hpp"
#include "os/signals.hpp"
#include "os/terminal_relay.hpp"

namespace teredo::daemon {

bool WorkerContext::drop_privileges() {
  auto null = os::open_dev_null();
  if (!null) {
    log::alert("Cannot open /dev/null: {}", null.error().message());
    return false;
  }
  null_ = std::move(*null);
  if (auto st = os::drop_privileges(user_, chroot_dir_); !st) {
    log::alert("Cannot drop privileges to user {} in chroot {}: {} (check -u and -t)", user_.name,
               chroot_dir_, st.error().message());
    return false;
  }
  return true;
}

bool WorkerContext::confine(const os::SeccompOptions& options) {
  os::SeccompOptions with_report = options;
  // A forbidden call is reported on the log channel, where the supervisor names it.
  if (with_report.report_fd < 0) with_report.report_fd = log::forward_fd();
  if (auto st = os::install_seccomp_filter(with_report); !st) {
    log::alert("Cannot install the seccomp filter: {}", st.error().message());
    return false;
  }
  return true;
}

void WorkerContext::ready() {
  if (!os::send_ready(ready_pipe_, 1)) log::error("Cannot tell the supervisor that set-up is done");
  ready_pipe_.reset();
  if (!options_.foreground && null_) {
    (void)os::redirect_stdio(null_);
    log::disable_stderr();
  }
  null_.reset();
  // Hand back to the kernel the heap pages that set-up used and freed (configuration, netlink,
  // temporary buffers): they would otherwise stay resident for the life of the worker.
  os::trim_heap();
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kStopTimeout = std::chrono::seconds(10);
constexpr auto kRestartDelay = std::chrono::seconds(1);
constexpr std::size_t kMaxCrashesPerMinute = 5;

}  // namespace

std::string sigsys_hint(int signo, const std::optional<os::SeccompViolation>& call) {
  if (signo != SIGSYS) return "";
  if (!call) return ": it made a system call outside its seccomp allow-list; please report this bug";
  return ": it made system call " + os::describe_syscall(*call) +
         ", outside its seccomp allow-list; please report this bug";
}

namespace {

class Supervisor {
 public:
  using Loader = std::function<std::optional<LoadedConfig>(const CommandLine&)>;

  Supervisor(const CommandLine& options, const DaemonIdentity& identity, const Loader& load,
             os::TargetUser user, std::string chroot, os::SignalFd& signals, os::TerminalRelay relay,
             std::pair<os::Fd, os::Fd> log_channel, std::optional<os::HeartbeatBoard> heartbeats)
      : options_(options),
        identity_(identity),
        load_(load),
        user_(std::move(user)),
        chroot_(std::move(chroot)),
        signals_(signals),
        relay_(std::move(relay)),
        log_in_(std::move(log_channel.first)),
        log_out_(std::move(log_channel.second)),
        heartbeats_(std::move(heartbeats)) {}

  /// Starts the first worker; true once it is ready.
  bool start(LoadedConfig config) {
    current_ = std::move(config);
    return spawn(current_) && wait_ready();
  }

  /// Serves signals until told to stop (or the worker cannot be kept running).
  int run() {
    os::PollSet poll;
    poll.add(signals_.fd(), os::PollSet::kReadable);
    watch_workers(poll);
    // systemd's watchdog (WatchdogSec=): WATCHDOG=1 every half interval while the data path is
    // not stuck (os/heartbeat.hpp). Without it the supervisor sleeps until a signal or a log line.
    const std::uint64_t watchdog_ms = os::watchdog_interval_usec() / 1000;
    if (watchdog_ms != 0)
      log::info("systemd watchdog: {} ms; confirming every {} ms while no data-path turn lasts longer",
                watchdog_ms, watchdog_ms / 2);
    for (;;) {
      drain_workers();
      if (stop_requested_) return stop();
      if (reload_requested_) {
        reload_requested_ = false;
        reload();
        continue;
      }
      const int timeout = watchdog_ms != 0 ? watchdog_tick(watchdog_ms / 2) : -1;
      if (auto n = poll.wait(timeout); !n) {
        log::alert("{}", n.error().message());
        return stop();
      }
      if (auto rc = handle_signals()) return *rc;
    }
  }

 private:
  // Confirms the watchdog when `period_ms` has passed since the last confirmation and no data-path
  // thread has been in one turn for longer than that. Returns the milliseconds until the next tick.
  int watchdog_tick(std::uint64_t period_ms) {
    const std::uint64_t now = os::monotonic_coarse_ms();
    if (now >= next_watchdog_ms_) {
      next_watchdog_ms_ = now + period_ms;
      const auto stuck = heartbeats_ ? heartbeats_->stuck(now, period_ms) : std::nullopt;
      if (!stuck) {
        (void)os::notify_service_manager("WATCHDOG=1");
        watchdog_withheld_ = false;
      } else if (!watchdog_withheld_) {
        watchdog_withheld_ = true;
        log::alert(
            "Data-path thread {} has been busy with one turn for {} ms: the worker is stuck; not confirming "
            "systemd's watchdog, which restarts the service",
            stuck->index, stuck->for_ms);
      }
    }
    return static_cast<int>(std::min<std::uint64_t>(next_watchdog_ms_ - now, period_ms));
  }

  // Reads pending signals. Returns an exit code when the daemon must end now.
  std::optional<int> handle_signals() {
    while (auto signo = signals_.read()) {
      switch (*signo) {
        case SIGHUP:
          log::notice("Reloading configuration on signal {} (SIGHUP)", *signo);
          reload_requested_ = true;
          break;
        case SIGCHLD:
          if (auto status = reap(false)) return on_worker_exit(*status);
          break;
        default:
          log::notice("Exiting on signal {} ({})", *signo, os::signal_name(*signo));
          stop_requested_ = true;
          break;
      }
    }
    return std::nullopt;
  }

  bool spawn(const LoadedConfig& config) {
    if (heartbeats_) heartbeats_->clear();  // the new worker's threads start waiting
    auto child = os::fork_with_channel(os::ChannelKind::ReadyPipe);
    if (child && child->in_child()) {
      // A session of its own, stdio off the terminal (os/terminal_relay.hpp): first, while the
      // relay's pipe is still open (run_child closes every descriptor but stdio and the channel).
      if (auto st = relay_.detach_worker(); !st) {
        log::alert("Cannot detach the worker from the terminal: {}", st.error().message());
        os::exit_now(kExitSetupFailure);
      }
      os::run_child(
          std::move(child->channel),
          [this, &config](os::Fd ready) { return worker_main(config, std::move(ready)); }, log_out_.get());
    }
    if (!child) {
      log::alert("Cannot fork the worker: {}", child.error().message());
      return false;
    }
    worker_ = child->pid;
    worker_ended_ = config.worker_ended;  // the settings this worker runs with
    ready_fd_ = std::move(child->channel);
    return true;
  }

  // The forked worker's main: nothing of the supervisor's survives but stdio and the ready pipe.
  int worker_main(const LoadedConfig& config, os::Fd ready) {
    // One malloc arena for all the worker's threads (idle memory).
    os::use_one_malloc_arena();
    log::close();
    log::open(identity_.program, config.syslog_facility, true);
    log::forward_to(os::kChildExtraFd);  // syslog through the supervisor (os/log_forward.hpp)
    if (auto st = os::reset_signals(); !st) {
      log::alert("Cannot reset signals: {}", st.error().message());
      return kExitSetupFailure;
    }
    WorkerContext ctx(options_, user_, chroot_, std::move(ready), heartbeats_ ? &*heartbeats_ : nullptr);
    try {
      return config.run_worker(ctx);
    } catch (const std::exception& e) {
      log::alert("Worker failed: {}", e.what());
    }
    return kExitSetupFailure;
  }

  // Every wait of the supervisor watches what the workers write (drain_workers).
  void watch_workers(os::PollSet& poll) const {
    if (relay_.active()) poll.add(relay_.fd(), os::PollSet::kReadable);
    poll.add(log_in_.get(), os::PollSet::kReadable);
  }

  // What the workers wrote: their terminal output onto ours, their log lines to syslog (the
  // worker wrote its stderr itself).
  void drain_workers() {
    relay_.drain();
    for (int i = 0; i < 256; ++i) {  // a bound per turn: a flood cannot starve the signals
      auto record = os::receive_log_record(log_in_);
      if (!record) break;
      if (record->status) {
        (void)os::notify_service_manager("STATUS=" + record->text);
        continue;
      }
      if (auto call = os::parse_seccomp_report(record->text)) {
        // The worker's last words before SIGSYS (os/seccomp.hpp): named here, and again when it is reaped.
        forbidden_call_ = call;
        log::error("Worker made system call {}, outside its seccomp allow-list", os::describe_syscall(*call));
        continue;
      }
      os::write_system_log(record->priority, record->text);
    }
  }

  // Waits for the worker's "ready" byte. false: it exited first (reaped, logged).
  bool wait_ready() {
    os::PollSet poll;
    const std::size_t ready = poll.add(ready_fd_.get(), os::PollSet::kReadable);
    const std::size_t signals = poll.add(signals_.fd(), os::PollSet::kReadable);
    watch_workers(poll);
    for (;;) {
      drain_workers();
      if (auto n = poll.wait(-1); !n) {
        log::alert("{}", n.error().message());
        return false;
      }
      if (poll.ready(ready)) {
        const std::optional<char> byte = os::read_ready(ready_fd_);
        ready_fd_.reset();
        if (byte) return true;
        if (const auto status = reap(true)) log_setup_failure(*status);
        return false;
      }
      if (!poll.ready(signals)) continue;
      while (auto signo = signals_.read()) {
        if (*signo == SIGHUP) {
          reload_requested_ = true;
        } else if (*signo == SIGCHLD) {
          if (auto status = reap(false)) {
            ready_fd_.reset();
            log_setup_failure(*status);
            return false;
          }
        } else {
          log::notice("Exiting on signal {} ({}) during start-up", *signo, os::signal_name(*signo));
          stop_requested_ = true;
          os::signal_process(worker_, SIGTERM);
        }
      }
    }
  }

  void log_setup_failure(int status) {
    if (stop_requested_) return;
    drain_workers();  // its last words: the call a SIGSYS is about
    if (const int signo = os::killing_signal(status); signo != 0)
      log::alert("Worker killed by signal {} ({}) during set-up{}", signo, os::signal_name(signo),
                 sigsys_hint(signo, std::exchange(forbidden_call_, std::nullopt)));
    else
      log::alert("Worker set-up failed (see the messages above)");
  }

  // The worker's wait status if it has exited (reaped); nullopt if it still runs. Every exit
  // passes here: the worker_ended of its settings runs before anything else happens.
  std::optional<int> reap(bool block) {
    auto status = os::reap_child(worker_, block);
    if (status) {
      worker_ = -1;
      if (const WorkerEnded ended = std::exchange(worker_ended_, {})) ended(user_, chroot_);
    }
    return status;
  }

  // An exit nobody asked for: a crash is restarted (at most 5 a minute), anything else ends us.
  std::optional<int> on_worker_exit(int status) {
    if (const int code = os::exit_status(status); code >= 0) {
      if (code == 0) {
        log::notice("Worker exited; stopping");
        return finish(kExitOk);
      }
      log::alert("Worker exited with status {}; stopping", code);
      return finish(kExitSetupFailure);
    }
    const int signo = os::killing_signal(status);
    drain_workers();  // its last words: the call a SIGSYS is about
    log::error("Worker killed by signal {} ({}){}", signo, os::signal_name(signo),
               sigsys_hint(signo, std::exchange(forbidden_call_, std::nullopt)));
    const auto now = Clock::now();
    crashes_.push_back(now);
    while (!crashes_.empty() && now - crashes_.front() > std::chrono::minutes(1)) crashes_.pop_front();
    if (crashes_.size() > kMaxCrashesPerMinute) {
      log::alert("Worker crashed {} times in a minute; giving up", crashes_.size());
      return finish(kExitSetupFailure);
    }
    std::this_thread::sleep_for(kRestartDelay);
    log::notice("Restarting the worker");
    if (!spawn(current_) || !wait_ready()) return finish(kExitSetupFailure);
    return std::nullopt;
  }

  int finish(int rc) {
    os::notify_service_manager("STOPPING=1");
    return rc;
  }

  // SIGTERM, then SIGKILL after kStopTimeout. Returns the worker's wait status (or 0).
  int stop_worker() {
    if (worker_ <= 0) return 0;
    os::signal_process(worker_, SIGTERM);
    const auto deadline = Clock::now() + kStopTimeout;
    os::PollSet poll;
    poll.add(signals_.fd(), os::PollSet::kReadable);
    watch_workers(poll);
    for (;;) {
      drain_workers();
      if (auto status = reap(false)) {
        drain_workers();  // its last words
        return *status;
      }
      if (Clock::now() >= deadline) {
        log::error("Worker {} did not stop within {} s; killing it", worker_, kStopTimeout.count());
        os::signal_process(worker_, SIGKILL);
        return reap(true).value_or(0);
      }
      (void)poll.wait(100);
      while (auto signo = signals_.read()) {
        if (*signo == SIGHUP) log::notice("Ignoring SIGHUP: the daemon is stopping or restarting its worker");
      }
    }
  }

  int stop() {
    os::notify_service_manager("STOPPING=1");
    const int status = stop_worker();
    const bool clean = os::exited_cleanly(status);
    if (!clean) log::error("Worker {}", os::describe_wait_status(status));
    log::info("Terminated with {}.", clean ? "no error" : "error(s)");
    return clean ? kExitOk : kExitSetupFailure;
  }

  void reload() {
    os::notify_service_manager("RELOADING=1");
    const std::string path = options_.config_file.value_or(identity_.default_config);
    std::optional<LoadedConfig> next = load_(options_);
    if (!next) {
      log::error(
          "Configuration error in {} (see the FILE:LINE messages above); keeping the running configuration. "
          "Fix the file, check it with teredod-checkconf, then reload again.",
          path);
    } else if (const std::string changes = describe_changes(current_.effective, next->effective);
               changes.empty()) {
      log::notice("Configuration unchanged; keeping the tunnel, its address and its peers");
    } else {
      log::notice("Configuration changed ({}); restarting the worker with the new settings", changes);
      (void)stop_worker();
      if (stop_requested_) return;
      log::set_facility(next->syslog_facility);
      if (spawn(*next) && wait_ready()) {
        current_ = std::move(*next);
        log::notice("New configuration applied");
      } else if (!stop_requested_) {
        log::error("The new configuration failed to start (see above); restarting with the previous one");
        log::set_facility(current_.syslog_facility);
        if (!spawn(current_) || !wait_ready()) {
          log::alert("The previous configuration failed to start too; stopping");
          stop_requested_ = true;
          return;
        }
      }
    }
    os::notify_service_manager("READY=1");
  }

  const CommandLine& options_;
  const DaemonIdentity& identity_;
  const Loader& load_;
  os::TargetUser user_;
  std::string chroot_;
  os::SignalFd& signals_;
  os::TerminalRelay relay_;
  os::Fd log_in_;   // the workers' log lines (os/log_forward.hpp)
  os::Fd log_out_;  // their end, handed to each worker at fork
  LoadedConfig current_;
  pid_t worker_ = -1;
  WorkerEnded worker_ended_;
  os::Fd ready_fd_;
  bool stop_requested_ = false;
  bool reload_requested_ = false;
  std::deque<Clock::time_point> crashes_;
  std::optional<os::HeartbeatBoard> heartbeats_;  // only under systemd's watchdog
  std::uint64_t next_watchdog_ms_ = 0;
  bool watchdog_withheld_ = false;
  std::optional<os::SeccompViolation> forbidden_call_;  // the last one a worker reported
};

// -t DIR must be a usable directory; without -t, the role's empty directory is prepared.
std::optional<std::string> choose_chroot(const CommandLine& options, const DaemonIdentity& identity) {
  if (options.chroot_dir) {
    if (auto st = os::check_chroot_dir(*options.chroot_dir); !st) {
      log::alert("Cannot use {} as the chroot directory (-t): {}", *options.chroot_dir, st.error().message());
      return std::nullopt;
    }
    return *options.chroot_dir;
  }
  // Under systemd, in the unit's runtime directory (each instance of a template its own).
  std::string dir = os::runtime_directory_path(identity.default_chroot, "empty");
  if (auto st = os::prepare_empty_dir(dir); !st) {
    log::alert(
        "Cannot prepare the empty chroot directory {}: {} (it must be an empty directory owned by root, "
        "not writable by others; or choose one with -t DIR)",
        dir, st.error().message());
    return std::nullopt;
  }
  return dir;
}

}  // namespace

int run_supervised(const CommandLine& options, const DaemonIdentity& identity,
                   const std::function<std::optional<LoadedConfig>(const CommandLine&)>& load) {
  log::open(identity.program, os::default_syslog_facility(), true);
  if (!os::is_root()) {
    log::alert("{} must be started as root (it drops to user {} itself)", identity.program,
               options.user.value_or(identity.default_user));
    return kExitSetupFailure;
  }
  std::optional<LoadedConfig> config = load(options);
  if (!config) return kExitSetupFailure;
  log::set_facility(config->syslog_facility);
  auto user = lookup_run_user(options.user.value_or(identity.default_user));
  if (!user) return kExitSetupFailure;
  auto chroot = choose_chroot(options, identity);
  if (!chroot) return kExitSetupFailure;

  std::optional<os::Daemonizer> daemonizer;
  if (!start_daemon(options.foreground, daemonizer)) return kExitSetupFailure;
  auto pidfile = take_pidfile(options.pidfile.value_or(identity.default_pidfile), identity.program);
  if (!pidfile) return kExitSetupFailure;
  if (auto st = os::keep_only_capabilities(identity.supervisor_caps); !st) {
    log::alert("Cannot restrict the supervisor's capabilities: {}", st.error().message());
    return kExitSetupFailure;
  }
  if (auto st = os::set_no_new_privs(); !st) {
    log::alert("Cannot set no_new_privs: {}", st.error().message());
    return kExitSetupFailure;
  }
  auto signals = os::SignalFd::open(os::SignalRole::Supervisor);
  if (!signals) {
    log::alert("Cannot set up signals: {}", signals.error().message());
    return kExitSetupFailure;
  }

  auto relay = os::TerminalRelay::open();
  if (!relay) {
    log::alert("Cannot set up the workers' output: {}", relay.error().message());
    return kExitSetupFailure;
  }
  auto log_channel = os::open_log_channel();
  if (!log_channel) {
    log::alert("Cannot set up the workers' log channel: {}", log_channel.error().message());
    return kExitSetupFailure;
  }
  // The data path's heartbeats, shared with the workers: only when systemd asks for a watchdog.
  std::optional<os::HeartbeatBoard> heartbeats;
  if (os::watchdog_interval_usec() != 0) {
    auto board = os::HeartbeatBoard::create();
    if (!board) {
      log::alert("Cannot set up the watchdog's heartbeats: {}", board.error().message());
      return kExitSetupFailure;
    }
    heartbeats.emplace(std::move(*board));
  }
  Supervisor supervisor(options, identity, load, std::move(*user), std::move(*chroot), *signals,
                        std::move(*relay), std::move(*log_channel), std::move(heartbeats));
  if (!supervisor.start(std::move(*config))) return kExitSetupFailure;
  finish_daemon_setup(daemonizer);
  os::notify_service_manager("READY=1");
  os::trim_heap();  // the start-up's freed heap pages (idle memory)
  return supervisor.run();
}

}  // namespace teredo::daemon
