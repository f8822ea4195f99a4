// The Boost.Asio backend (the default; part of //core).
//
// A loop on this backend either owns an io_context, or borrows the program's: then ae's
// watchers fire from the program's own io_context::run(), interleaved with its Asio handlers,
// and run() returns when neither ae nor the program has anything left to wait for.
//
// Example (borrowing):
//   boost::asio::io_context io;
//   ae::Loop loop(ae::borrow_asio(io));
//   ae::Loop::Scope scope(loop);              // ae::timer() etc. now use `loop`
//   ae::Timer t = ae::timer(0.1, [] { /* ... */ });
//   boost::asio::steady_timer native(io, 50ms);
//   native.async_wait([](auto) { /* ... */ });
//   io.run();                                 // runs both
//
// Exceptions thrown by ae callbacks propagate out of io_context::run() (Asio's own rule).
//
// Thread safety: an ae::Loop is single-threaded (core/loop.h), and ae's handlers run on whichever
// thread runs the io_context. So a borrowed io_context is run by one thread only, the loop's:
// run from several threads (a pool calling io.run()), ae's dispatch would race with itself and
// with the loop's users. ae does not detect it. A program with an io_context pool gives ae an
// io_context of its own (or a loop per thread, each on its own io_context).
//
// Fork: in a forked child, ae calls io_context::notify_fork(fork_child) on the loop's
// io_context, owned or borrowed, before the child first uses the inherited loop (core/backend.h).
#pragma once

#include <memory>

#include "core/backend.h"

namespace boost::asio {
class io_context;
}

namespace ae {

class Loop;

// A backend that owns a new io_context.
std::unique_ptr<Backend> make_asio_backend();

// A backend that borrows `io`, which must outlive the loop made on it.
std::unique_ptr<Backend> borrow_asio(boost::asio::io_context& io);

// The io_context under `loop`, or null when the loop is not on the asio backend.
boost::asio::io_context* asio_context(Loop& loop) noexcept;

}  // namespace ae
