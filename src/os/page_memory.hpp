// SPDX-License-Identifier: GPL-2.0-or-later
// The daemons' BufferMemory: whole pages from the kernel for every buffer of a page or more.
//
// Each such buffer is its own anonymous mapping, so its pages are zero and become resident only
// when the data path first writes them; malloc would write a header just before the buffer,
// making a page resident for every buffer an idle daemon never uses (idle memory).
// Smaller allocations come from calloc. Thread-safe.
#pragma once

#include "core/buffer_memory.hpp"

namespace teredo::os {

core::BufferMemory& page_memory();

}  // namespace teredo::os
