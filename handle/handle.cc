#include "handle/handle.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "handle/internal/handle_impl.h"

namespace ae {

using handle_internal::HandleImpl;

Handle::Handle(int fd, Options options) {
  if (fd < 0) throw std::invalid_argument("ae::Handle: negative fd");
  int type = 0;
  socklen_t len = sizeof type;
  const bool is_socket = ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
  if (!is_socket && errno == EBADF) {
    throw std::invalid_argument("ae::Handle: fd " + std::to_string(fd) + " is not open");
  }
  if (is_socket && type != SOCK_STREAM) {
    throw std::invalid_argument("ae::Handle: fd " + std::to_string(fd) +
                                " is not a stream socket (a Handle needs SOCK_STREAM)");
  }
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK) == 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  // impl_ is set first: adopt_fd runs the `tls` factory, which may look at this Handle (its
  // peername, for SNI and verification).
  impl_ = new HandleImpl(this, std::move(options));
  try {
    impl_->adopt_fd(fd, is_socket);
  } catch (...) {
    delete std::exchange(impl_, nullptr);
    throw;
  }
}

Handle::Handle(std::string_view host, std::string_view service, Options options) {
  auto impl = std::make_unique<HandleImpl>(this, std::move(options));
  impl->begin_connect(host, service);
  impl_ = impl.release();
}

Handle::Handle(Handle&& other) noexcept : impl_(std::exchange(other.impl_, nullptr)) {
  if (impl_) impl_->set_owner(this);
}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    if (impl_) std::exchange(impl_, nullptr)->release();
    impl_ = std::exchange(other.impl_, nullptr);
    if (impl_) impl_->set_owner(this);
  }
  return *this;
}

Handle::~Handle() {
  if (impl_) std::exchange(impl_, nullptr)->release();
}

int Handle::fd() const noexcept { return impl_ ? impl_->fd() : -1; }
bool Handle::destroyed() const noexcept { return !impl_ || impl_->destroyed(); }
void Handle::destroy() {
  if (impl_) impl_->destroy();
}

Buffer& Handle::rbuf() noexcept {
  thread_local Buffer empty;
  if (!impl_) {
    empty.clear();
    return empty;
  }
  return impl_->rbuf();
}

const Buffer& Handle::wbuf() const noexcept {
  static const Buffer empty;
  return impl_ ? impl_->wbuf() : empty;
}

std::uint64_t Handle::rbuf_start() const noexcept { return impl_ ? impl_->rbuf_start() : 0; }

const std::string& Handle::peername() const noexcept {
  static const std::string empty;
  return impl_ ? impl_->peername() : empty;
}

const SocketAddress& Handle::peer() const noexcept {
  static const SocketAddress empty;
  return impl_ ? impl_->peer() : empty;
}

void Handle::on_error(ErrorCallback cb) {
  if (impl_) impl_->on_error(std::move(cb));
}
void Handle::on_read(Callback cb) {
  if (impl_) impl_->on_read(std::move(cb));
}
void Handle::on_eof(Callback cb) {
  if (impl_) impl_->on_eof(std::move(cb));
}
void Handle::on_drain(Callback cb) {
  if (impl_) impl_->on_drain(std::move(cb));
}
void Handle::on_timeout(Callback cb) {
  if (impl_) impl_->on_timeout(std::move(cb));
}
void Handle::on_rtimeout(Callback cb) {
  if (impl_) impl_->on_rtimeout(std::move(cb));
}
void Handle::on_wtimeout(Callback cb) {
  if (impl_) impl_->on_wtimeout(std::move(cb));
}
void Handle::on_starttls(StartTlsCallback cb) {
  if (impl_) impl_->on_starttls(std::move(cb));
}
void Handle::on_stoptls(Callback cb) {
  if (impl_) impl_->on_stoptls(std::move(cb));
}

void Handle::timeout(double seconds) {
  if (impl_) impl_->set_timeout(handle_internal::Timeouts::kAny, seconds);
}
void Handle::rtimeout(double seconds) {
  if (impl_) impl_->set_timeout(handle_internal::Timeouts::kRead, seconds);
}
void Handle::wtimeout(double seconds) {
  if (impl_) impl_->set_timeout(handle_internal::Timeouts::kWrite, seconds);
}
void Handle::timeout_reset() noexcept {
  if (impl_) impl_->timeout_reset(handle_internal::Timeouts::kAny);
}
void Handle::rtimeout_reset() noexcept {
  if (impl_) impl_->timeout_reset(handle_internal::Timeouts::kRead);
}
void Handle::wtimeout_reset() noexcept {
  if (impl_) impl_->timeout_reset(handle_internal::Timeouts::kWrite);
}

// Settings without side effects are fields of the options the impl holds; the others go through
// the impl, which acts on them at once.
void Handle::rbuf_max(std::optional<std::size_t> bytes) noexcept {
  if (impl_) impl_->options().rbuf_max = bytes;
}
void Handle::wbuf_max(std::optional<std::size_t> bytes) noexcept {
  if (impl_) impl_->options().wbuf_max = bytes;
}
void Handle::autocork(bool on) noexcept {
  if (impl_) impl_->options().autocork = on;
}
void Handle::no_delay(bool on) noexcept {
  if (impl_) impl_->socket_option(&Options::no_delay, IPPROTO_TCP, TCP_NODELAY, on);
}
void Handle::keepalive(bool on) noexcept {
  if (impl_) impl_->socket_option(&Options::keepalive, SOL_SOCKET, SO_KEEPALIVE, on);
}
void Handle::oobinline(bool on) noexcept {
  if (impl_) impl_->socket_option(&Options::oobinline, SOL_SOCKET, SO_OOBINLINE, on);
}
void Handle::read_size(std::size_t bytes) noexcept {
  if (impl_) impl_->options().read_size = std::max<std::size_t>(bytes, 1);
}
std::size_t Handle::read_size() const noexcept { return impl_ ? impl_->options().read_size : 0; }
void Handle::max_read_size(std::size_t bytes) noexcept {
  if (impl_) impl_->options().max_read_size = bytes;
}
void Handle::low_water_mark(std::size_t bytes) noexcept {
  if (impl_) impl_->options().low_water_mark = bytes;
}
void Handle::high_water_mark(std::size_t bytes) {
  if (impl_) impl_->high_water_mark(bytes);
}
void Handle::linger(double seconds) noexcept {
  if (impl_) impl_->options().linger = seconds;
}
void Handle::close_timeout(double seconds) {
  if (impl_) impl_->close_timeout(seconds);
}
void Handle::peername(std::string name) {
  if (impl_) impl_->options().peername = std::move(name);
}

void Handle::push_read(Reader reader) {
  if (impl_) impl_->push_read(std::move(reader), false);
}
void Handle::unshift_read(Reader reader) {
  if (impl_) impl_->push_read(std::move(reader), true);
}
void Handle::stop_read() noexcept {
  if (impl_) impl_->stop_read();
}
void Handle::start_read() {
  if (impl_) impl_->start_read();
}

void Handle::push_write(std::string_view bytes) {
  if (impl_) impl_->push_write(bytes);
}
void Handle::push_shutdown() {
  if (impl_) impl_->push_shutdown();
}

void Handle::starttls(std::unique_ptr<StreamFilter> filter) {
  if (!filter) throw std::invalid_argument("ae::Handle::starttls: null filter");
  if (impl_) impl_->starttls(std::move(filter));
}
void Handle::stoptls() {
  if (impl_) impl_->stoptls();
}
void Handle::resettls() noexcept {
  if (impl_) impl_->resettls();
}
StreamFilter* Handle::filter() const noexcept { return impl_ ? impl_->filter() : nullptr; }

void Handle::raise_error(std::error_code ec, std::string message, bool fatal) {
  if (impl_) impl_->raise(ec, std::move(message), fatal);
}

}  // namespace ae
