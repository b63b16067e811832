// SPDX-License-Identifier: GPL-2.0-or-later
// Memory advice for large tables allocated by the core.
#pragma once

#include <cstddef>

namespace teredo::os {

/// Asks for transparent huge pages on the 2 MiB-aligned interior of [p, p + n) (madvise
/// MADV_HUGEPAGE): random lookups in a large peer table then miss the TLB far less often.
/// Best effort; returns false if the kernel refused.
bool advise_huge_pages(void* p, std::size_t n);

}  // namespace teredo::os
