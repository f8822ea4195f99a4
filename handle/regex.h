// Regular-expression read types for ae::Handle (//handle:regex): a regex end-of-line marker for
// `line` and AnyEvent's `regex` read type, on RE2.
//
// RE2 runs in time linear in the text and without recursion, whatever the pattern and the data,
// so a peer cannot make a search take exponential time or overflow the stack (std::regex and
// Perl's engine can). The price is RE2's syntax: no backreferences and no lookaround.
// Patterns match bytes: RE2 runs in its Latin-1 mode, so `.` and `[^>]` match any one byte and
// data need not be UTF-8. As in Perl, `.` does not match "\n" unless the pattern says (?s), and `^`
// and `$` mean the start and end of the searched buffer unless it says (?m).
//
// Searches resume where the last one stopped, so that a message arriving in many small pieces
// costs linear time in total, when the pattern's matches have a bounded length: a pattern with
// no `*`, `+` or `{n,}` (say "\r?\n\r?\n" or "<[^>]{0,4096}>"). An unbounded pattern ("<[^>]*>")
// searches the whole buffer again on each read (linear each time, so quadratic for a message that
// trickles in): bound it with rbuf_max, or bound the pattern.
//
// Example:
//   #include "handle/regex.h"
//   h.push_read(ae::line(ae::Regex("\r?\n\r?\n")), [](ae::Handle& h, std::string head, std::string)
//   {
//     // ... an HTTP head, without the blank line
//   });
//   h.push_read(ae::regex("</doc>", "<error>"), [](ae::Handle& h, std::string doc) { /* ... */ });
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/function.h"
#include "handle/types.h"

namespace ae {

namespace handle_internal {
struct CompiledRegex;
}

// A compiled RE2 pattern over bytes. Cheap to copy (the compiled form is shared, immutable, and
// safe to use from several threads).
class Regex {
 public:
  // Errors: std::invalid_argument with RE2's reason for a pattern it does not accept.
  explicit Regex(std::string_view pattern);

  const std::string& pattern() const noexcept;
  const handle_internal::CompiledRegex& compiled() const noexcept { return *compiled_; }

 private:
  std::shared_ptr<const handle_internal::CompiledRegex> compiled_;
};

// line(Regex): everything before the first match of the marker, and the match as the marker.
class LineRegexType {
 public:
  using Callback = LineType::Callback;
  explicit LineRegexType(Regex eol) : eol_(std::move(eol)) {}
  Reader reader(Callback cb) const;

 private:
  Regex eol_;
};

// regex(accept[, reject[, skip]]) (AnyEvent's `regex`): when `accept` matches in the read buffer,
// everything up to the end of the match (after any bytes `skip` set aside) is delivered.
// Otherwise, when `reject` matches, a non-fatal EBADMSG error is raised (once for each place it
// matches) and the reader stays queued: the error handler usually destroys the Handle, or
// consumes the bad bytes. Otherwise, when `skip` matches, the bytes up to the end of its match are
// set aside for the result, so they are not searched again. (Perl's match variables have no
// equivalent here: match the delivered data again for capture groups.)
class RegexType {
 public:
  using Callback = Function<void(Handle&, std::string data)>;
  RegexType(Regex accept, std::shared_ptr<const Regex> reject, std::shared_ptr<const Regex> skip)
      : accept_(std::move(accept)), reject_(std::move(reject)), skip_(std::move(skip)) {}
  Reader reader(Callback cb) const;

 private:
  Regex accept_;
  std::shared_ptr<const Regex> reject_;  // null: none
  std::shared_ptr<const Regex> skip_;    // null: none
};

// An empty reject or skip pattern means none.
// Errors: std::invalid_argument for a pattern RE2 does not accept.
RegexType regex(std::string_view accept, std::string_view reject = {}, std::string_view skip = {});

}  // namespace ae
