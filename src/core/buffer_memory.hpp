// SPDX-License-Identifier: GPL-2.0-or-later
// Where the cores and the data path take their large, long-lived buffers from (idle memory). The
// core does no I/O and does not decide how memory is mapped: the driver passes a
// BufferMemory, as it passes time and randomness. The daemons pass os::page_memory(), which
// maps whole pages for every buffer of a page or more, so that a buffer's pages become resident
// only as the data path reaches them (no allocator header written into the first page);
// heap_buffer_memory() (calloc) serves the tests and tools.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <type_traits>
#include <utility>

namespace teredo::core {

/// A memory resource whose allocations are zero-filled.
class BufferMemory : public std::pmr::memory_resource {};

/// calloc / free (aligned_alloc for alignments above max_align_t). Thread-safe.
BufferMemory& heap_buffer_memory();

/// A fixed array of `n` zero-filled T from a BufferMemory, released with it. Move-only.
template <class T>
class BufferArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "zero-filled storage holds only trivial types");

 public:
  BufferArray(BufferMemory& memory, std::size_t n)
      : memory_(&memory), n_(n), p_(static_cast<T*>(memory.allocate(n * sizeof(T), alignof(T)))) {}
  BufferArray(BufferArray&& o) noexcept
      : memory_(o.memory_), n_(std::exchange(o.n_, 0)), p_(std::exchange(o.p_, nullptr)) {}
  BufferArray& operator=(BufferArray&&) = delete;
  BufferArray(const BufferArray&) = delete;
  ~BufferArray() {
    if (p_ != nullptr) memory_->deallocate(p_, n_ * sizeof(T), alignof(T));
  }

  T* get() const { return p_; }
  T& operator[](std::size_t i) const { return p_[i]; }
  std::size_t size() const { return n_; }

 private:
  BufferMemory* memory_;
  std::size_t n_;
  T* p_;
};

}  // namespace teredo::core
