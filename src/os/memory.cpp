// SPDX-License-Identifier: GPL-2.0-or-later
// madvise(MADV_HUGEPAGE) wrapper.
#include "os/memory.hpp"

#include <sys/mman.h>

#include <cstdint>

namespace teredo::os {

bool advise_huge_pages(void* p, std::size_t n) {
  constexpr std::uintptr_t kHuge = 2u << 20;
  const auto begin = (reinterpret_cast<std::uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + n) & ~(kHuge - 1);
  if (end <= begin) return false;
  return madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE) == 0;
}

}  // namespace teredo::os
