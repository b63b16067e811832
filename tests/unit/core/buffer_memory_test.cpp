// SPDX-License-Identifier: GPL-2.0-or-later
// The core's buffer memory: zero-filled arrays and the heap resource.
#include "core/buffer_memory.hpp"

#include "core/client.hpp"
#include "core/random_source.hpp"
#include "core/relay.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

namespace teredo::core {
namespace {

struct alignas(64) Wide {
  std::uint64_t v[8];
};

TEST(BufferMemory, HeapArraysAreZeroFilledAndAligned) {
  for (int round = 0; round < 3; ++round) {
    BufferArray<std::uint8_t> bytes(heap_buffer_memory(), 100000);
    BufferArray<Wide> wide(heap_buffer_memory(), 33);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(wide.get()) % 64, 0u);
    for (std::size_t i = 0; i < bytes.size(); ++i) ASSERT_EQ(bytes[i], 0) << i;
    for (std::size_t i = 0; i < wide.size(); ++i)
      for (std::uint64_t x : wide[i].v) ASSERT_EQ(x, 0u);
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = 0xff;  // reused blocks must be zeroed again
    for (std::size_t i = 0; i < wide.size(); ++i) wide[i].v[0] = ~0ull;
  }
}

TEST(BufferMemory, ArraysMoveTheirStorage) {
  BufferArray<std::uint32_t> a(heap_buffer_memory(), 10);
  a[3] = 7;
  std::uint32_t* p = a.get();
  BufferArray<std::uint32_t> b(std::move(a));
  EXPECT_EQ(b.get(), p);
  EXPECT_EQ(b[3], 7u);
  EXPECT_EQ(b.size(), 10u);
  EXPECT_EQ(a.get(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(a.size(), 0u);
}

}  // namespace
}  // namespace teredo::core

// The cores take every large buffer from the BufferMemory in their configuration, and give it all back.
namespace teredo::core {
namespace {

class CountingMemory final : public BufferMemory {
 public:
  std::size_t outstanding_bytes = 0;
  std::size_t allocations = 0;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    outstanding_bytes += bytes;
    ++allocations;
    return heap_buffer_memory().allocate(bytes, alignment);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
    outstanding_bytes -= bytes;
    heap_buffer_memory().deallocate(p, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
};

TEST(BufferMemory, RelayTakesItsBuffersFromTheConfiguredMemory) {
  CountingMemory memory;
  {
    RelayConfig config;
    config.max_peers = 1000;
    config.queue_packets_total = 64;
    config.memory = &memory;
    Relay relay(config, TimePoint{});
    // Peer table, queue slots and bookkeeping, action list, arena, release list.
    EXPECT_GE(memory.allocations, 8u);
    EXPECT_GE(memory.outstanding_bytes, relay.peers().memory_bytes() + 64 * config.mtu);
  }
  EXPECT_EQ(memory.outstanding_bytes, 0u);
}

TEST(BufferMemory, ClientTakesItsBuffersFromTheConfiguredMemory) {
  CountingMemory memory;
  SeededRandom random(7);
  {
    ClientConfig config;
    config.max_peers = 500;
    config.memory = &memory;
    Client client(config, random, TimePoint{});
    EXPECT_GE(memory.allocations, 8u);
    EXPECT_GE(memory.outstanding_bytes, client.peers().memory_bytes());
  }
  EXPECT_EQ(memory.outstanding_bytes, 0u);
}

}  // namespace
}  // namespace teredo::core
