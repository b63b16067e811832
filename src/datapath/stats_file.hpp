// Test hook: a daemon's counters as a text file (TEREDOD_STATS_FILE). Temporary; a later
// issue replaces it with a control socket and teredoctl.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "os/fd.hpp"
#include "os/os_result.hpp"

namespace teredo::datapath {

/// The file is opened once, before privileges are dropped and before any chroot, and then
/// rewritten in place through the open descriptor (pwrite + ftruncate), so it keeps working
/// as the unprivileged user. A reader may rarely see a half-written file; poll it.
class StatsFile {
 public:
  /// Opens the file named by $TEREDOD_STATS_FILE; nullopt when the variable is unset or empty.
  static std::optional<os::OsResult<StatsFile>> open_from_environment();
  static os::OsResult<StatsFile> open(const std::string& path);

  const std::string& path() const { return path_; }
  /// Replaces the contents with `text` ("name value" lines). Errors are ignored (a test hook only).
  void write(std::string_view text);

 private:
  StatsFile(std::string path, os::Fd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  std::string path_;
  os::Fd fd_;
};

/// Opens $TEREDOD_STATS_FILE when set. False (logged) when it is set but cannot be opened.
bool open_stats_file(std::optional<StatsFile>& stats);

}  // namespace teredo::datapath
