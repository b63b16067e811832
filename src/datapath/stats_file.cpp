// Stats file writer.
#include "datapath/stats_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "daemon/log.hpp"

namespace teredo::datapath {

namespace log = daemon::log;

std::optional<os::OsResult<StatsFile>> StatsFile::open_from_environment() {
  const char* path = std::getenv("TEREDOD_STATS_FILE");
  if (path == nullptr || *path == '\0') return std::nullopt;
  return open(path);
}

os::OsResult<StatsFile> StatsFile::open(const std::string& path) {
  os::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd) return os::errno_error("open");
  return StatsFile(path, std::move(fd));
}

void StatsFile::write(std::string_view text) {
  if (::pwrite(fd_.get(), text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()))
    (void)!::ftruncate(fd_.get(), static_cast<off_t>(text.size()));
}

bool open_stats_file(std::optional<StatsFile>& stats) {
  auto s = StatsFile::open_from_environment();
  if (!s) return true;
  if (!*s) {
    log::alert("Cannot open TEREDOD_STATS_FILE: {}", s->error().message());
    return false;
  }
  stats.emplace(std::move(s->value()));
  return true;
}

}  // namespace teredo::datapath
