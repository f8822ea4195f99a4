// An exception an ae callback threw inside a C library's loop function (uv_run, ev_run,
// g_main_context_iteration), which it must not unwind through: the backend catches it, stops the
// library's loop and keeps it here, and run_once() (or the program, after its own run) rethrows it.
#pragma once

#include <exception>

namespace ae::backend_internal {

class KeptException {
 public:
  KeptException() = default;
  KeptException(const KeptException&) = delete;
  KeptException& operator=(const KeptException&) = delete;
  ~KeptException() { report(); }

  // Keeps the exception being handled. One kept before and never rethrown is reported through
  // the log hook and dropped: only the latest can leave run_once().
  void keep() noexcept;
  // Rethrows the kept exception, if there is one, and forgets it.
  void rethrow();
  // Reports a kept exception through the log hook and forgets it (its loop goes away).
  void report() noexcept;

 private:
  std::exception_ptr kept_;
};

}  // namespace ae::backend_internal
