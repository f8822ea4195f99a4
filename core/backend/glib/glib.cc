#include "core/backend/glib/glib.h"

#include <glib.h>

#include <chrono>
#include <optional>
#include <stdexcept>

#include "core/backend/kept_exception.h"
#include "core/loop.h"

namespace ae {
namespace {

class GlibBackend;

// The one GSource ae adds to the context.
struct AeSource {
  GSource base;
  GlibBackend* backend;
};

class GlibBackend final : public Backend {
 public:
  GlibBackend(GMainContext* context, bool owned) : context_(context) {
    if (!owned) g_main_context_ref(context_);
  }

  ~GlibBackend() override {
    detach();
    g_main_context_unref(context_);
  }

  std::string_view name() const noexcept override { return "glib"; }
  // GLib polls level-triggered (poll(2)).
  bool edge_triggered() const noexcept override { return false; }
  GMainContext* context() const noexcept { return context_; }

  void attach(BackendHost& host, int poll_fd) override {
    GSource* source = g_source_new(&kFuncs, sizeof(AeSource));
    reinterpret_cast<AeSource*>(source)->backend = this;
    // A CondVar::recv() in an ae callback iterates the context again: ae's source must run there.
    g_source_set_can_recurse(source, TRUE);
    g_source_set_name(source, "ae");
    poll_tag_ = g_source_add_unix_fd(source, poll_fd, static_cast<GIOCondition>(0));
    g_source_attach(source, context_);
    source_ = source;
    host_ = &host;
  }

  void arm_poll() override { set_poll(true); }
  void disarm_poll() override { set_poll(false); }

  void set_deadline(std::optional<TimePoint> deadline) override {
    if (!deadline) {
      // A deadline still in the future only costs one early dispatch, which re-arms: cheaper
      // than telling GLib (each change of the ready time wakes the context up).
      if (ready_time_ >= 0 && ready_time_ <= g_source_get_time(source_)) set_ready_time(-1);
      return;
    }
    // GLib's monotonic clock is steady_clock's (CLOCK_MONOTONIC), in microseconds; round up so
    // that the source is not ready before the deadline.
    auto us = std::chrono::ceil<std::chrono::microseconds>(deadline->time_since_epoch()).count();
    bool stale = ready_time_ >= 0 && ready_time_ <= g_source_get_time(source_);
    // An earlier deadline still armed stays; it causes one early dispatch, which re-arms.
    if (ready_time_ >= 0 && !stale && ready_time_ <= us) return;
    set_ready_time(us);
  }

  void schedule_now() override { now_ = true; }

  void run_once(bool block) override {
    g_main_context_iteration(context_, block ? TRUE : FALSE);
    kept_.rethrow();
  }

  void rethrow_pending() { kept_.rethrow(); }

  void detach() noexcept override {
    if (host_ == nullptr) return;
    host_ = nullptr;
    g_source_destroy(source_);
    g_source_unref(source_);
    source_ = nullptr;
    kept_.report();
  }

 private:
  void set_poll(bool wanted) {
    if (wanted == poll_armed_) return;
    poll_armed_ = wanted;
    g_source_modify_unix_fd(source_, poll_tag_, wanted ? G_IO_IN : static_cast<GIOCondition>(0));
  }

  void set_ready_time(gint64 us) {
    ready_time_ = us;
    g_source_set_ready_time(source_, us);
  }

  // GLib is C: exceptions must not unwind through it. Keep it for run_once() or the program.
  void dispatch() noexcept {
    now_ = false;
    if (host_ == nullptr) return;
    try {
      host_->dispatch();
    } catch (...) {
      kept_.keep();
    }
  }

  static GlibBackend& of(GSource* source) { return *reinterpret_cast<AeSource*>(source)->backend; }

  static gboolean prepare(GSource* source, gint* timeout) {
    *timeout = -1;  // GLib derives the wait from the ready time and the fd
    return of(source).now_ ? TRUE : FALSE;
  }

  static gboolean check(GSource* source) {
    GlibBackend& self = of(source);
    return self.now_ || (self.poll_armed_ &&
                         (g_source_query_unix_fd(source, self.poll_tag_) & G_IO_IN) != 0)
               ? TRUE
               : FALSE;
  }

  static gboolean dispatch_source(GSource* source, GSourceFunc, gpointer) {
    of(source).dispatch();
    return G_SOURCE_CONTINUE;
  }

  static GSourceFuncs kFuncs;

  GMainContext* context_;
  BackendHost* host_ = nullptr;
  GSource* source_ = nullptr;
  gpointer poll_tag_ = nullptr;
  gint64 ready_time_ = -1;  // what GLib has as the source's ready time
  bool poll_armed_ = false;
  bool now_ = false;
  backend_internal::KeptException kept_;
};

GSourceFuncs GlibBackend::kFuncs = {&GlibBackend::prepare,
                                    &GlibBackend::check,
                                    &GlibBackend::dispatch_source,
                                    nullptr,
                                    nullptr,
                                    nullptr};

const bool kRegistered = [] {
  register_backend("glib", &make_glib_backend);
  return true;
}();

}  // namespace

std::unique_ptr<Backend> make_glib_backend() {
  return std::make_unique<GlibBackend>(g_main_context_new(), true);
}

std::unique_ptr<Backend> borrow_glib(GMainContext* context) {
  if (context == nullptr) throw std::invalid_argument("ae::borrow_glib: null GMainContext");
  return std::make_unique<GlibBackend>(context, false);
}

GMainContext* glib_context(Loop& loop) noexcept {
  if (auto* b = dynamic_cast<GlibBackend*>(&loop.backend())) return b->context();
  return nullptr;
}

void glib_rethrow_pending(Loop& loop) {
  if (auto* b = dynamic_cast<GlibBackend*>(&loop.backend())) b->rethrow_pending();
}

}  // namespace ae
