#include "dns/record.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace ae::dns {
namespace {

struct TypeNameEntry {
  std::uint16_t code;
  const char* name;
};

constexpr std::array<TypeNameEntry, 17> kTypeNames = {{
    {1, "A"},
    {2, "NS"},
    {5, "CNAME"},
    {6, "SOA"},
    {12, "PTR"},
    {13, "HINFO"},
    {15, "MX"},
    {16, "TXT"},
    {28, "AAAA"},
    {33, "SRV"},
    {35, "NAPTR"},
    {39, "DNAME"},
    {41, "OPT"},
    {99, "SPF"},
    {255, "ANY"},
    {256, "URI"},
    {257, "CAA"},
}};

std::string fqdn(const std::string& name) { return name.empty() ? "." : name + "."; }

// A character-string in presentation form: quoted, with '"' and '\' escaped and unprintable
// octets as \DDD.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c > 0x7e) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\%03u", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

}  // namespace

std::string type_name(std::uint16_t type) {
  for (const TypeNameEntry& e : kTypeNames) {
    if (e.code == type) return e.name;
  }
  return "TYPE" + std::to_string(type);
}

std::optional<std::uint16_t> type_from_name(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "*") return static_cast<std::uint16_t>(RrType::kAny);
  for (const TypeNameEntry& e : kTypeNames) {
    if (upper == e.name) return e.code;
  }
  if (upper.starts_with("TYPE") && upper.size() > 4) {
    unsigned value = 0;
    const char* first = upper.data() + 4;
    const char* last = upper.data() + upper.size();
    auto [end, err] = std::from_chars(first, last, value);
    if (err == std::errc() && end == last && value <= 65535) {
      return static_cast<std::uint16_t>(value);
    }
  }
  return std::nullopt;
}

std::string Txt::joined() const {
  std::string out;
  for (const std::string& s : strings) out += s;
  return out;
}

namespace {
bool needs_escape(unsigned char c) {
  return c <= 0x20 || c > 0x7e || c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' ||
         c == ';' || c == '@' || c == '$';
}
}  // namespace

std::string escape_label(std::string_view octets) {
  // Nearly every label is plain: copy it whole.
  if (std::none_of(octets.begin(), octets.end(),
                   [](char c) { return needs_escape(static_cast<unsigned char>(c)); })) {
    return std::string(octets);
  }
  std::string out;
  out.reserve(octets.size() + 8);
  for (unsigned char c : octets) {
    if (!needs_escape(c)) {
      out += static_cast<char>(c);
    } else if (c > 0x20 && c <= 0x7e) {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\%03u", c);
      out += buf;
    }
  }
  return out;
}

std::string Record::text() const {
  struct Render {
    std::string operator()(const Raw& r) const {
      std::string out = "\\# " + std::to_string(r.bytes.size());
      if (!r.bytes.empty()) out += ' ';
      char buf[3];
      for (std::uint8_t b : r.bytes) {
        std::snprintf(buf, sizeof buf, "%02X", b);
        out += buf;
      }
      return out;
    }
    std::string operator()(const Address& a) const { return a.host(); }
    std::string operator()(const Name& n) const { return fqdn(n.name); }
    std::string operator()(const Mx& m) const {
      return std::to_string(m.preference) + " " + fqdn(m.exchange);
    }
    std::string operator()(const Txt& t) const {
      std::string out;
      for (const std::string& s : t.strings) {
        if (!out.empty()) out += ' ';
        out += quote(s);
      }
      return out;
    }
    std::string operator()(const Srv& s) const {
      return std::to_string(s.priority) + " " + std::to_string(s.weight) + " " +
             std::to_string(s.port) + " " + fqdn(s.target);
    }
    std::string operator()(const Soa& s) const {
      return fqdn(s.mname) + " " + fqdn(s.rname) + " " + std::to_string(s.serial) + " " +
             std::to_string(s.refresh) + " " + std::to_string(s.retry) + " " +
             std::to_string(s.expire) + " " + std::to_string(s.minimum);
    }
    std::string operator()(const Caa& c) const {
      return std::to_string(c.flags) + " " + c.tag + " " + quote(c.value);
    }
  };
  return std::visit(Render{}, data);
}

}  // namespace ae::dns
