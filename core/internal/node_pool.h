// NodePool: fixed-size blocks for watcher nodes, carved from slabs and recycled through a free
// list. Private to //core.
//
// Creating and destroying watchers is hot (every Handle read watcher, every timeout); a free list
// turns malloc/free into a few instructions, and slabs keep the nodes dense. Memory returns to
// the system when the loop's core goes away. Under AddressSanitizer the pool steps aside, so that
// use-after-free of a node is still caught.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace ae::core_internal {

class NodePool {
 public:
  static constexpr std::size_t kBlockSize = 112;  // the common nodes fit (see loop_core.cc)

#if defined(__SANITIZE_ADDRESS__)
  static constexpr bool kEnabled = false;
#else
  static constexpr bool kEnabled = true;
#endif

  NodePool() = default;
  NodePool(const NodePool&) = delete;
  NodePool& operator=(const NodePool&) = delete;
  ~NodePool() {
    for (void* slab : slabs_) ::operator delete(slab);
  }

  void* allocate() {
    if (free_ == nullptr) grow();
    void* block = free_;
    free_ = *static_cast<void**>(block);
    return block;
  }

  void deallocate(void* block) noexcept {
    *static_cast<void**>(block) = free_;
    free_ = block;
  }

 private:
  static constexpr std::size_t kBlocksPerSlab = 128;

  void grow() {
    slabs_.reserve(slabs_.size() + 1);  // so that push_back below cannot throw after new
    auto* slab = static_cast<char*>(::operator new(kBlocksPerSlab* kBlockSize));
    slabs_.push_back(slab);
    for (std::size_t i = kBlocksPerSlab; i-- > 0;) deallocate(slab + i * kBlockSize);
  }

  void* free_ = nullptr;
  std::vector<void*> slabs_;
};

}  // namespace ae::core_internal
