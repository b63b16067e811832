// SPDX-License-Identifier: GPL-2.0-or-later
// Page-mapped buffer memory (page_memory.hpp).
#include "os/page_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <new>

namespace teredo::os {

namespace {

class PageMemory final : public core::BufferMemory {
 public:
  PageMemory() : page_(static_cast<std::size_t>(::sysconf(_SC_PAGESIZE))) {}

 private:
  bool mapped(std::size_t bytes, std::size_t alignment) const { return bytes >= page_ && alignment <= page_; }
  std::size_t rounded(std::size_t bytes) const { return (bytes + page_ - 1) / page_ * page_; }

  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    if (!mapped(bytes, alignment)) return core::heap_buffer_memory().allocate(bytes, alignment);
    void* p = ::mmap(nullptr, rounded(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
    if (!mapped(bytes, alignment)) {
      core::heap_buffer_memory().deallocate(p, bytes, alignment);
      return;
    }
    ::munmap(p, rounded(bytes));
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

  std::size_t page_;
};

}  // namespace

core::BufferMemory& page_memory() {
  static PageMemory memory;
  return memory;
}

}  // namespace teredo::os
