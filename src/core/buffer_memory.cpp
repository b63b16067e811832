// SPDX-License-Identifier: GPL-2.0-or-later
// The heap BufferMemory: calloc / free.
#include "core/buffer_memory.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace teredo::core {

namespace {

class HeapBufferMemory final : public BufferMemory {
 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    const std::size_t n = bytes == 0 ? 1 : bytes;
    void* p = nullptr;
    if (alignment <= alignof(std::max_align_t)) {
      p = std::calloc(1, n);
    } else {
      p = std::aligned_alloc(alignment, (n + alignment - 1) / alignment * alignment);
      if (p != nullptr) std::memset(p, 0, n);
    }
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  void do_deallocate(void* p, std::size_t, std::size_t) override { std::free(p); }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
};

}  // namespace

BufferMemory& heap_buffer_memory() {
  static HeapBufferMemory memory;
  return memory;
}

}  // namespace teredo::core
