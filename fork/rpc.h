// ae::fork::Rpc: AnyEvent::Fork::RPC for C++ — calls into a worker process over its control
// socket, with results, events and errors travelling back in the order the worker made them.
//
// The worker function is registered by name like any child function; its type says whether the
// worker is synchronous (one call at a time, blocking I/O, results in call order) or
// asynchronous (an ae loop in the worker, any number of calls at once, each answered through
// its Reply):
//   ae::fork::Json square(ae::fork::Json x) { return x.get<int>() * x.get<int>(); }
//   AE_FORK_FUNCTION("square", square);
//
//   void slow_square(ae::fork::Json x, ae::fork::Reply reply) {   // async worker
//     auto t = std::make_shared<ae::Timer>();
//     *t = ae::timer(0.1, [t, x, reply = std::move(reply)]() mutable {
//       reply(x.get<int>() * x.get<int>());
//     });
//   }
//   AE_FORK_FUNCTION("slow_square", slow_square);
//
//   ae::fork::Rpc rpc(ae::fork::Fork(), "square");
//   rpc.call(7, [](ae::Result<ae::fork::Json> r) { if (r) std::cout << *r; });  // 49
//   ae::fork::Json v = co_await rpc.call(8);                                     // 64
//
// Every call ends in exactly one callback, also when the worker dies (the error then names the
// exit status or signal, e.g. "worker killed by signal 9 (SIGKILL)"), and an exception thrown by
// the worker function comes back as that call's error instead of killing the worker.
//
// Framing (both directions): a kind byte, a 4-byte big-endian call id, a 4-byte big-endian
// length, the payload. Parent to worker: 'C' call. Worker to parent: 'R' result, 'E' error
// (the exception's message), 'V' event (id 0), 'T' retire (id 0). Payloads use the serialiser
// named in RpcOptions (JSON by default; CBOR and AnyEvent's length-prefixed strings built in;
// more with register_serialiser).
//
// Thread safety: an Rpc belongs to the loop thread that made it.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "core/condvar.h"
#include "core/function.h"
#include "core/result.h"
#include "fork/fork.h"

namespace ae::fork_internal {
struct RpcState;
struct AsyncWorker;
}  // namespace ae::fork_internal

namespace ae::fork {

using Json = nlohmann::json;

// The errors of Rpc and Pool calls, in their own category ("ae::fork").
enum class RpcErrc {
  kWorkerException = 1,  // the worker function threw; the message is its what()
  kWorkerDied,           // the worker ended with calls outstanding (message: how it ended)
  kProtocol,             // the worker wrote something that is not a frame of this protocol
  kSerialise,            // a value could not be encoded or decoded
  kCancelled,            // the pool was destroyed before the call was sent
};
const std::error_category& rpc_category() noexcept;
std::error_code make_error_code(RpcErrc e) noexcept;

// ---- The worker's side ------------------------------------------------------------------------

// An async worker's way to answer one call. Move-only; answer exactly once. A Reply destroyed
// unanswered answers with the error "the worker dropped the reply".
class Reply {
 public:
  Reply(Reply&&) noexcept;
  Reply& operator=(Reply&&) noexcept;
  ~Reply();
  // Sends the result.
  void operator()(Json result);
  // Sends an error with `message` (the parent sees RpcErrc::kWorkerException).
  void error(std::string_view message);

 private:
  friend struct fork_internal::AsyncWorker;
  Reply(std::shared_ptr<fork_internal::AsyncWorker> worker, std::uint32_t id) noexcept;
  std::shared_ptr<fork_internal::AsyncWorker> worker_;
  std::uint32_t id_ = 0;
};

// Registration of RPC worker functions (see AE_FORK_FUNCTION): sync, async, init (called first
// with the arguments sent with send_arg/send_fh) and done (called in an async worker when the
// parent closed the channel and nothing is outstanding; the worker exits afterwards).
void register_function(std::string_view name, Json (*fn)(Json args));
void register_function(std::string_view name, void (*fn)(Json args, Reply reply));
void register_function(std::string_view name, void (*fn)(Args& args));
void register_function(std::string_view name, void (*fn)());

// In a worker: sends an event to the parent's on_event (AnyEvent::Fork::RPC::event). Events and
// results reach the parent in the order the worker produced them.
void event(Json data);
// In a pool worker: asks the pool to send this worker no more calls (AnyEvent::Fork::Pool::retire).
// It finishes the calls it has and is then stopped.
void retire();

// A serialiser: how values become payload bytes. Both ends look it up by name.
struct Serialiser {
  std::string name;
  std::string (*freeze)(const Json& value);
  Json (*thaw)(std::string_view bytes);  // may throw on bad input; that becomes kSerialise
};
// Registers a serialiser (call during static initialisation, in the binary both ends run).
void register_serialiser(const Serialiser& s);

// ---- The parent's side ------------------------------------------------------------------------

struct RpcOptions {
  // "json" (default), "cbor", "string" (AnyEvent's STRING_SERIALISER: a string or an array
  // of strings, thawed as an array of strings; the cheapest for bulk bytes), or a registered
  // name.
  std::string serialiser = "json";
  // A registered init function, run in the worker before the first call.
  std::string init;
  // A registered done function (async workers), run when the parent has closed the channel.
  std::string done;
  // Runs every time the worker sends an event, in order with the results. Without it, an event
  // is reported through on_error (as AnyEvent does).
  Function<void(Json)> on_event;
  // Runs once when the worker is lost (it died, closed the channel, or broke the protocol) while
  // the Rpc still exists or calls were outstanding; the calls themselves fail with the same
  // error. Runs from the loop. Without it, such errors are logged at level error in the context
  // "ae::fork" (AnyEvent's default dies).
  Function<void(const Error&)> on_error;
  // Runs once after the Rpc was destroyed and every outstanding call was answered and the
  // worker closed its channel.
  Function<void()> on_destroy;
  // Runs every time the worker calls retire(). Pools use it.
  Function<void()> on_retire;
  // Per-call timeout in seconds (0: none). A call that times out fails with
  // std::errc::timed_out and the worker is killed (it may be stuck), failing the other
  // outstanding calls with the reason. A call that times out before the worker runs was never
  // sent: it fails alone.
  double timeout = 0;
  // The largest frame accepted from the worker; a larger one is a protocol error.
  std::size_t max_frame = std::size_t(1) << 30;
};

class Rpc {
 public:
  // Starts `process` running the worker function `function`. Calls may be made at once; they
  // are written once the worker runs.
  // Errors: std::logic_error when `function` is not a registered sync or async function, or the
  // serialiser is unknown.
  Rpc(Fork process, std::string function, RpcOptions options = {});
  Rpc(Rpc&&) noexcept;
  Rpc& operator=(Rpc&&) noexcept;
  // Closes the channel for writing once queued calls are written; the worker finishes what it
  // has and exits. Outstanding callbacks still run; then on_destroy.
  ~Rpc();

  // Calls the worker with `args`. `cb` runs exactly once, from the loop, never inside this call:
  // with the result, or the error. `timeout` (seconds; 0 means RpcOptions::timeout) bounds this
  // call.
  void call(const Json& args, Function<void(Result<Json>)> cb, double timeout = 0);
  void operator()(const Json& args, Function<void(Result<Json>)> cb) { call(args, std::move(cb)); }
  // The same as a CondVar, for recv() or co_await: sends the result or croaks with
  // std::system_error carrying the error.
  CondVar<Json> call(const Json& args);

  // Calls sent and not answered yet.
  std::size_t pending() const noexcept;
  // The worker's pid once known (the ssh client's for remote workers), else 0.
  pid_t pid() const noexcept;
  // False once the worker is lost, or being killed after a call timed out.
  bool alive() const noexcept;

 private:
  std::shared_ptr<fork_internal::RpcState> state_;
};

}  // namespace ae::fork

template <>
struct std::is_error_code_enum<ae::fork::RpcErrc> : std::true_type {};
