// The core's buffer memory: zero-filled arrays and the heap resource.
#include "core/buffer_memory.hpp"

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
