// Process signals as file-descriptor events (signalfd), so no handler runs asynchronously.
#pragma once

#include <optional>

#include "os/fd.hpp"
#include "os/os_result.hpp"

namespace teredo::os {

/// Blocks SIGINT, SIGTERM, SIGHUP and SIGQUIT in the calling thread (threads created later
/// inherit the mask) and delivers them through a signalfd. Ignores SIGUSR1, SIGUSR2 and SIGPIPE
/// process-wide. Create it in the main thread before starting any other thread.
class SignalFd {
 public:
  static OsResult<SignalFd> open();

  int fd() const { return fd_.get(); }

  /// The next pending signal number, or nullopt if none is pending (non-blocking).
  std::optional<int> read();

 private:
  explicit SignalFd(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

/// "SIGTERM" for 15, and so on, for the signals SignalFd delivers.
const char* signal_name(int signo);

}  // namespace teredo::os
