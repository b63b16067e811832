// Client follower workers (client_follower.hpp).
#include "datapath/client_follower.hpp"

namespace teredo::datapath {

namespace {
/// As the first worker: the RA's MTU option may announce up to 65535.
constexpr std::size_t kMaxClientMtu = 65535;
}  // namespace

os::OsResult<std::unique_ptr<ClientFollower>> ClientFollower::create(core::ClientConfig config, ClientFollowerIo io,
                                                                     Shards& shards, unsigned self) {
  config.follower = true;
  auto epoll = open_worker_epoll(io, io.stop_fd, {{shards.wake(self).fd(), kTagHandoff}});
  if (!epoll) return epoll.error();
  std::unique_ptr<ClientFollower> w(new ClientFollower(config, std::move(io), std::move(*epoll)));
  w->path_.set_shards(shards, self, true);
  w->loop_.wake_every(PublishedStats<ClientStats>::kInterval);  // published() stays at most ~1 s old
  return w;
}

ClientFollower::ClientFollower(const core::ClientConfig& config, ClientFollowerIo io, os::Epoll epoll)
    : client_(config, random_, std::chrono::steady_clock::now()),
      io_(std::move(io)),
      loop_(std::move(epoll), no_stats_),
      path_(client_, io_.tun, io_.udp, io_.icmp, io_.timer, kMaxClientMtu, io_.offloads) {}

bool ClientFollower::run() {
  return loop_.run<4>(
      "client worker", client_, path_, io_.tun, [](std::uint64_t tag) { return tag != kTagSignal; },
      [this] { published_.maybe_publish([this] { return stats(); }); }, [this] { return format_client_stats(stats()); });
}

}  // namespace teredo::datapath
