// SPDX-License-Identifier: GPL-2.0-or-later
// Peer table lookups per second and bytes per peer at 1M and 10M peers (issue 3 targets:
// >= 10M lookups/s on one core, <= 100 bytes per peer excluding queued packets).
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <random>
#include <vector>

#include "core/peer_table.hpp"
#include "os/memory.hpp"
#include "proto/teredo_address.hpp"

namespace {

using teredo::core::PeerTable;
using teredo::proto::Ipv6Addr;

Ipv6Addr peer_address(std::uint32_t n) {
  // Teredo addresses of distinct mapped endpoints behind one server.
  return teredo::proto::build_teredo_address(
      {teredo::proto::kTeredoPrefix,
       teredo::proto::make_ipv4(198, 51, 100, 10),
       static_cast<std::uint16_t>(n * 7919),
       {teredo::proto::Ipv4Addr{0xCB000000u | (n >> 8)}, static_cast<std::uint16_t>(1024 + (n & 0xFF))}});
}

struct Filled {
  std::unique_ptr<PeerTable> table;
  std::vector<Ipv6Addr> probes;
};

Filled& filled(std::size_t peers) {
  // Never destroyed: the tables' memory resource may be gone by the time statics are.
  static auto& cache = *new std::map<std::size_t, Filled>;
  auto it = cache.find(peers);
  if (it != cache.end()) return it->second;
  Filled f;
  f.table = std::make_unique<PeerTable>(
      peers, teredo::core::HashKey{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  // As the relay daemon does: transparent huge pages for the table.
  teredo::os::advise_huge_pages(f.table->storage(), f.table->memory_bytes());
  for (std::uint32_t i = 0; i < peers; ++i) {
    auto ins = f.table->find_or_insert(peer_address(i), 0);
    ins.entry->flags |= teredo::core::PeerEntry::kTrusted;
  }
  std::mt19937 rng(7);
  f.probes.resize(1 << 16);
  for (auto& p : f.probes) p = peer_address(static_cast<std::uint32_t>(rng() % peers));
  return cache.emplace(peers, std::move(f)).first->second;
}

// One lookup at a time, each a random peer: every lookup misses the CPU cache at 10M peers.
void BM_PeerLookup(benchmark::State& state) {
  Filled& f = filled(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0, found = 0;
  for (auto _ : state) {
    found += f.table->find(f.probes[i++ & 0xFFFF]) != nullptr;
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["bytes_per_peer"] =
      static_cast<double>(f.table->memory_bytes()) / static_cast<double>(f.table->size());
  state.counters["hit_rate"] = static_cast<double>(found) / static_cast<double>(state.iterations());
}

// The data path looks up a whole receive batch: prefetch all slots first, then look up.
void BM_PeerLookupBatch64(benchmark::State& state) {
  Filled& f = filled(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0, found = 0;
  for (auto _ : state) {
    const std::size_t base = i;
    for (std::size_t k = 0; k < 64; ++k) f.table->prefetch(f.probes[(base + k) & 0xFFFF]);
    for (std::size_t k = 0; k < 64; ++k) found += f.table->find(f.probes[(base + k) & 0xFFFF]) != nullptr;
    i += 64;
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 64);
  state.counters["bytes_per_peer"] =
      static_cast<double>(f.table->memory_bytes()) / static_cast<double>(f.table->size());
}

}  // namespace

BENCHMARK(BM_PeerLookup)->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_PeerLookupBatch64)->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kNanosecond);
BENCHMARK_MAIN();
