#include "handle/internal/filter_pipe.h"

#include <utility>

namespace ae::handle_internal {

FilterPipe::Step FilterPipe::install(std::unique_ptr<StreamFilter> filter, bool eof,
                                     Buffer& written_before, bool close_when_sent) {
  filter_ = std::move(filter);
  closing_ = false;
  said_ = false;
  filter_->start();
  if (!rbuf_.empty()) {
    filter_->receive(rbuf_.view());
    rbuf_.clear();
  }
  if (eof) filter_->receive_eof();
  if (!written_before.empty()) {
    filter_->send(written_before.view());
    written_before = Buffer();
  }
  Step step;
  decode(step);
  encode(step, close_when_sent);
  return finish(std::move(step));
}

FilterPipe::Step FilterPipe::inbound(std::string_view bytes, bool close_when_sent) {
  if (!filter_) return {};
  filter_->receive(bytes);
  Step step;
  decode(step);
  encode(step, close_when_sent);  // handshake answers, and what the handshake let through
  return finish(std::move(step));
}

FilterPipe::Step FilterPipe::inbound_eof(bool close_when_sent) {
  if (!filter_) return {};
  filter_->receive_eof();
  Step step;
  decode(step);
  encode(step, close_when_sent);
  return finish(std::move(step));
}

FilterPipe::Step FilterPipe::outbound(std::string_view bytes, bool close_when_sent) {
  if (!filter_) return {};
  if (!bytes.empty()) filter_->send(bytes);
  Step step;
  encode(step, close_when_sent);
  return finish(std::move(step));
}

FilterPipe::Step FilterPipe::close() {
  if (!filter_ || closing_) return {};
  closing_ = true;
  filter_->shutdown();
  Step step;
  step.close_started = true;
  encode(step, false);
  return finish(std::move(step));
}

void FilterPipe::reset() noexcept {
  filter_.reset();
  closing_ = false;
  said_ = false;
}

void FilterPipe::decode(Step& step) { step.decoded += filter_->read(rbuf_); }

void FilterPipe::encode(Step& step, bool close_when_sent) {
  filter_->take_output(wbuf_);
  if (close_when_sent && !closing_ && filter_->pending_send() == 0) {
    closing_ = true;
    filter_->shutdown();
    filter_->take_output(wbuf_);
    step.close_started = true;
  }
}

FilterPipe::Step FilterPipe::finish(Step step) {
  if (!said_ && filter_->established()) {
    said_ = true;
    step.established = true;
  }
  if (std::error_code ec = filter_->error()) {
    step.error = ec;
    step.message = filter_->error_message();
    if (step.message.empty()) step.message = ec.message();
    filter_->take_output(wbuf_);  // e.g. the alert telling the peer why
  } else if (filter_->peer_closed()) {
    std::string rest = filter_->take_unfiltered();
    filter_->take_output(wbuf_);
    if (!rest.empty()) {
      rbuf_.append(rest);
      step.decoded += rest.size();
    }
  } else {
    return step;
  }
  step.ended = true;
  step.outcome_unsaid = !said_;
  reset();
  return step;
}

std::error_code FilterPipe::fatal_code(std::error_code ec) noexcept {
  const bool system =
      ec.category() == std::generic_category() || ec.category() == std::system_category();
  if (system || ec == std::errc::protocol_error) return ec;
  return std::make_error_code(std::errc::protocol_error);
}

}  // namespace ae::handle_internal
