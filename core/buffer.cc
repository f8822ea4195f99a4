#include "core/buffer.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace ae {
namespace {

thread_local std::uint64_t t_bytes_moved = 0;

}  // namespace

std::uint64_t Buffer::bytes_moved_for_test() noexcept { return t_bytes_moved; }

Buffer::Buffer(Buffer&& other) noexcept
    : storage_(std::move(other.storage_)),
      capacity_(std::exchange(other.capacity_, 0)),
      begin_(std::exchange(other.begin_, 0)),
      end_(std::exchange(other.end_, 0)) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    storage_ = std::move(other.storage_);
    capacity_ = std::exchange(other.capacity_, 0);
    begin_ = std::exchange(other.begin_, 0);
    end_ = std::exchange(other.end_, 0);
  }
  return *this;
}

void Buffer::make_room(std::size_t n) {
  if (capacity_ - end_ >= n) return;
  std::size_t live = size();
  // Sliding the live bytes to the front costs `live` copies; it is only worth it when at least
  // as many bytes were consumed, which keeps the total copying linear in the bytes consumed.
  if (begin_ >= live && capacity_ - live >= n) {
    std::memmove(storage_.get(), storage_.get() + begin_, live);
    t_bytes_moved += live;
    begin_ = 0;
    end_ = live;
    return;
  }
  std::size_t want = std::max({live + n, capacity_ * 2, std::size_t{64}});
  auto fresh = std::make_unique_for_overwrite<char[]>(want);
  if (live != 0) std::memcpy(fresh.get(), storage_.get() + begin_, live);
  t_bytes_moved += live;
  storage_ = std::move(fresh);
  capacity_ = want;
  begin_ = 0;
  end_ = live;
}

void Buffer::append(std::string_view bytes) {
  if (bytes.empty()) return;
  make_room(bytes.size());
  std::memcpy(storage_.get() + end_, bytes.data(), bytes.size());
  end_ += bytes.size();
}

void Buffer::prepend(std::string_view bytes) {
  if (bytes.empty()) return;
  if (begin_ >= bytes.size()) {
    begin_ -= bytes.size();
    std::memcpy(storage_.get() + begin_, bytes.data(), bytes.size());
    return;
  }
  std::size_t live = size();
  std::size_t want = std::max({live + bytes.size(), capacity_, std::size_t{64}});
  auto fresh = std::make_unique_for_overwrite<char[]>(want);
  std::memcpy(fresh.get(), bytes.data(), bytes.size());
  if (live != 0) std::memcpy(fresh.get() + bytes.size(), storage_.get() + begin_, live);
  t_bytes_moved += live;
  storage_ = std::move(fresh);
  capacity_ = want;
  begin_ = 0;
  end_ = live + bytes.size();
}

void Buffer::consume(std::size_t n) noexcept {
  if (n >= size()) {
    begin_ = end_ = 0;
  } else {
    begin_ += n;
  }
}

std::string Buffer::take(std::size_t n) {
  n = std::min(n, size());
  std::string out(data(), n);
  consume(n);
  return out;
}

std::span<char> Buffer::prepare(std::size_t n) {
  make_room(n);
  return {storage_.get() + end_, capacity_ - end_};
}

void Buffer::shrink_to_fit() {
  std::size_t live = size();
  if (live == capacity_) return;
  if (live == 0) {
    storage_.reset();
    capacity_ = begin_ = end_ = 0;
    return;
  }
  auto fresh = std::make_unique_for_overwrite<char[]>(live);
  std::memcpy(fresh.get(), storage_.get() + begin_, live);
  t_bytes_moved += live;
  storage_ = std::move(fresh);
  capacity_ = live;
  begin_ = 0;
  end_ = live;
}

}  // namespace ae
