// SPDX-License-Identifier: GPL-2.0-or-later
// The daemons' page-mapped buffer memory: whole pages, zero-filled, resident only once written.
#include "os/page_memory.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

namespace teredo::os {
namespace {

const std::size_t kPage = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));

// Which of the pages of [p, p + bytes) are resident.
std::vector<bool> resident(const void* p, std::size_t bytes) {
  std::vector<unsigned char> v((bytes + kPage - 1) / kPage);
  EXPECT_EQ(::mincore(const_cast<void*>(p), bytes, v.data()), 0);
  std::vector<bool> r;
  for (unsigned char c : v) r.push_back((c & 1) != 0);
  return r;
}

TEST(PageMemory, LargeBuffersArePageAlignedAndResidentOnlyWhereWritten) {
  const std::size_t n = 16 * kPage;
  core::BufferArray<std::uint8_t> a(page_memory(), n);
  ASSERT_NE(a.get(), nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.get()) % kPage, 0u);
  EXPECT_EQ(resident(a.get(), n), std::vector<bool>(16, false));  // allocating touched nothing
  a[0] = 1;
  a[5 * kPage + 7] = 2;
  std::vector<bool> want(16, false);
  want[0] = want[5] = true;
  EXPECT_EQ(resident(a.get(), n), want);
  EXPECT_EQ(a[1], 0);  // zero-filled
  EXPECT_EQ(a[n - 1], 0);
}

TEST(PageMemory, SmallBuffersComeZeroedFromTheHeap) {
  for (int i = 0; i < 3; ++i) {
    core::BufferArray<std::uint32_t> a(page_memory(), 100);
    for (std::size_t j = 0; j < a.size(); ++j) {
      EXPECT_EQ(a[j], 0u);
      a[j] = 0xdeadbeef;  // a recycled block must come back zeroed
    }
  }
}

TEST(PageMemory, ContainersAllocateThroughIt) {
  std::pmr::vector<std::uint64_t> v(&page_memory());
  v.reserve(4 * kPage / sizeof(std::uint64_t));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(v.data()) % kPage, 0u);
  for (std::uint64_t i = 0; i < 10000; ++i) v.push_back(i);  // grows past the reservation
  EXPECT_EQ(v[9999], 9999u);
}

}  // namespace
}  // namespace teredo::os
