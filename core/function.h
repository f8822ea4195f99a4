// ae::Function: a move-only callable wrapper, the callback type of every ae API.
//
// Like std::function, but it accepts move-only callables (a lambda that captures a
// std::unique_ptr or a Handle), and small callables (up to three pointers) live inline without a
// heap allocation, so creating a watcher with a typical lambda allocates only the watcher.
//
// Example:
//   auto owned = std::make_unique<int>(42);
//   ae::Function<int()> f = [p = std::move(owned)] { return *p; };
//   int v = f();  // 42
#pragma once

#include <cstddef>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

namespace ae {

template <class Signature>
class Function;

template <class R, class... Args>
class Function<R(Args...)> {
 public:
  Function() noexcept = default;
  Function(std::nullptr_t) noexcept {}  // NOLINT: implicit, like std::function

  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, Function> &&
           std::is_invocable_r_v<R, std::decay_t<F>&, Args...>)
      Function(F&& f) {  // NOLINT: implicit, like std::function
    using Fn = std::decay_t<F>;
    if constexpr (std::is_pointer_v<Fn> || std::is_member_pointer_v<Fn>) {
      if (f == nullptr) return;
    }
    if constexpr (kFitsInline<Fn>) {
      ::new (static_cast<void*>(storage_)) Fn(std::forward<F>(f));
      vtable_ = &kInlineVTable<Fn>;
    } else {
      *reinterpret_cast<Fn**>(storage_) = new Fn(std::forward<F>(f));
      vtable_ = &kHeapVTable<Fn>;
    }
  }

  Function(Function&& other) noexcept { take(other); }

  Function& operator=(Function&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }

  Function& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }

  ~Function() { reset(); }

  explicit operator bool() const noexcept { return vtable_ != nullptr; }

  // Calls the target. Calling an empty Function is a programmer error (std::bad_function_call).
  R operator()(Args... args) const {
    if (vtable_ == nullptr) throw std::bad_function_call();
    return vtable_->call(const_cast<unsigned char*>(storage_), std::forward<Args>(args)...);
  }

 private:
  struct VTable {
    R (*call)(void* storage, Args&&... args);
    void (*relocate)(void* dst, void* src) noexcept;  // move-constructs into dst, destroys src
    void (*destroy)(void* storage) noexcept;
  };

  static constexpr std::size_t kInlineSize = 3 * sizeof(void*);

  template <class Fn>
  static constexpr bool kFitsInline =
      sizeof(Fn) <= kInlineSize &&
      alignof(Fn) <= alignof(void*) && std::is_nothrow_move_constructible_v<Fn>;

  template <class Fn>
  static constexpr VTable kInlineVTable = {
      [](void* s, Args&&... args) -> R {
        return static_cast<R>(
            std::invoke(*std::launder(reinterpret_cast<Fn*>(s)), std::forward<Args>(args)...));
      },
      [](void* dst, void* src) noexcept {
        Fn* from = std::launder(reinterpret_cast<Fn*>(src));
        ::new (dst) Fn(std::move(*from));
        from->~Fn();
      },
      [](void* s) noexcept { std::launder(reinterpret_cast<Fn*>(s))->~Fn(); },
  };

  template <class Fn>
  static constexpr VTable kHeapVTable = {
      [](void* s, Args&&... args) -> R {
        return static_cast<R>(
            std::invoke(**reinterpret_cast<Fn**>(s), std::forward<Args>(args)...));
      },
      [](void* dst, void* src) noexcept {
        *reinterpret_cast<Fn**>(dst) = *reinterpret_cast<Fn**>(src);
      },
      [](void* s) noexcept { delete *reinterpret_cast<Fn**>(s); },
  };

  void take(Function& other) noexcept {
    if (other.vtable_ != nullptr) {
      other.vtable_->relocate(storage_, other.storage_);
      vtable_ = std::exchange(other.vtable_, nullptr);
    }
  }

  void reset() noexcept {
    if (vtable_ != nullptr) std::exchange(vtable_, nullptr)->destroy(storage_);
  }

  alignas(void*) unsigned char storage_[kInlineSize];
  const VTable* vtable_ = nullptr;
};

}  // namespace ae
