// Relay event loop (WorkerLoop) and its huge-page advice; the packet path is TunnelDataPath<core::Relay>.
#include "datapath/relay_worker.hpp"

#include "os/memory.hpp"


#include "daemon/log.hpp"

namespace teredo::datapath {

namespace log = daemon::log;

os::OsResult<std::unique_ptr<RelayWorker>> RelayWorker::create(const core::RelayConfig& config, RelayIo io,
                                                              std::optional<StatsFile>& stats, Shards* shards,
                                                              unsigned self) {
  auto epoll = shards ? open_worker_epoll(io, io.stop_fd, {{shards->wake(self).fd(), kTagHandoff}})
                      : open_worker_epoll(io, io.stop_fd);
  if (!epoll) return epoll.error();
  std::unique_ptr<RelayWorker> w(new RelayWorker(config, std::move(io), std::move(*epoll), stats));
  if (shards) {
    w->path_.set_shards(*shards, self);
    w->loop_.wake_every(PublishedStats<RelayStats>::kInterval);  // published() stays at most ~1 s old
  }
  return w;
}

RelayWorker::RelayWorker(const core::RelayConfig& config, RelayIo io, os::Epoll epoll, std::optional<StatsFile>& stats)
    : relay_(config, std::chrono::steady_clock::now()),
      io_(std::move(io)),
      loop_(std::move(epoll), stats),
      path_(relay_, io_.tun, io_.udp, io_.icmp, io_.timer, config.mtu, io_.offloads),
      stats_text_([this] { return format_relay_stats(this->stats()); }) {}

void RelayWorker::maybe_advise_huge_pages() {
  // Huge pages for the peer table: lookups at millions of peers miss the TLB far less. Only
  // once the table is busy: a huge page is 2 MiB of resident memory from the first peer on.
  if (huge_pages_advised_ || relay_.peers().size() < kHugePagePeers) return;
  huge_pages_advised_ = true;
  os::advise_huge_pages(relay_.peers().storage(), relay_.peers().memory_bytes());
}

bool RelayWorker::run() {
  return loop_.run<4>(
      "relay", relay_, path_, io_.tun, [this](std::uint64_t tag) { return tag != kTagSignal || on_signals(); },
      [this] {
        maybe_advise_huge_pages();
        if (path_.sharded()) published_.maybe_publish([this] { return stats(); });
      },
      [this] { return stats_text_(); });
}

bool RelayWorker::on_signals() {
  if (!io_.signals) return false;  // the stop eventfd: the first worker is stopping
  while (auto signo = io_.signals->read()) {
    log::notice("Exiting on signal {} ({})", *signo, os::signal_name(*signo));
    return false;
  }
  return true;
}

}  // namespace teredo::datapath
