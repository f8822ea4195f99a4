// ae::Buffer: a contiguous byte buffer with a consume offset.
//
// The read and write buffer of Handle and of Fork's RPC framing. Bytes are appended at the back
// and consumed from the front; consuming only moves an offset, and the live bytes slide back to
// the start only when that moves at most as many bytes as were consumed, so reading a stream
// of any length line by line costs linear time in total.
//
//   storage_: [ consumed | live bytes (view()) | spare capacity (prepare()) ]
//             0          begin_               end_                       capacity
//
// Example:
//   ae::Buffer b;
//   b.append("hello\nworld");
//   auto line = b.view().substr(0, b.view().find('\n'));  // "hello"
//   b.consume(line.size() + 1);                            // b.view() == "world"
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace ae {

class Buffer {
 public:
  Buffer() noexcept = default;
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() = default;

  // The live bytes.
  std::string_view view() const noexcept { return {data(), size()}; }
  const char* data() const noexcept { return storage_.get() + begin_; }
  char* data() noexcept { return storage_.get() + begin_; }
  std::size_t size() const noexcept { return end_ - begin_; }
  bool empty() const noexcept { return end_ == begin_; }
  std::size_t capacity() const noexcept { return capacity_; }
  char operator[](std::size_t i) const noexcept { return data()[i]; }

  // Appends bytes at the back.
  void append(std::string_view bytes);
  void append(const void* bytes, std::size_t n) {
    append(std::string_view(static_cast<const char*>(bytes), n));
  }

  // Inserts bytes at the front (used to give back bytes a reader took but did not use).
  void prepend(std::string_view bytes);

  // Drops `n` bytes from the front (n is clamped to size()).
  void consume(std::size_t n) noexcept;

  // Removes and returns the first `n` bytes (n is clamped to size()).
  std::string take(std::size_t n);

  // Returns writable space of at least `n` bytes after the live bytes; commit() makes the first
  // `written` of them live. The span stays valid until the next non-const call.
  std::span<char> prepare(std::size_t n);
  void commit(std::size_t written) noexcept { end_ += written; }

  void clear() noexcept { begin_ = end_ = 0; }

  // Releases spare capacity beyond the live bytes.
  void shrink_to_fit();

  // The bytes every Buffer on this thread has copied within its storage since the thread began
  // (sliding live bytes to the front, moving them to bigger storage, prepending, shrinking); the
  // bytes appended are not counted. Tests read it to prove that streaming costs linear work, by
  // counting rather than by timing a loaded machine.
  static std::uint64_t bytes_moved_for_test() noexcept;

 private:
  void make_room(std::size_t n);

  std::unique_ptr<char[]> storage_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace ae
