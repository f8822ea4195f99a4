// hello: a line through two ae::Handles on a socketpair, with //dns and //tls linked as a program
// that uses ae from its own workspace would link them.
#include <sys/socket.h>

#include <cstdio>
#include <string>

#include "core/core.h"
#include "dns/options.h"
#include "handle/handle.h"
#include "tls/tls.h"

int main() {
  ae::dns::Options dns;
  ae::dns::parse_resolv_conf("nameserver 127.0.0.1\n", dns);
  ae::Result<ae::tls::Context> tls = ae::tls::Context::create();
  if (!tls) return 1;

  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return 1;
  ae::Handle writer(fds[0]);
  ae::Handle reader(fds[1]);
  ae::CondVar<std::string> line;
  reader.push_read(ae::line, [&](ae::Handle&, std::string text, std::string) { line.send(text); });
  writer.push_write("hello from ae\n");
  std::printf("%s (%zu name server)\n", line.recv().c_str(), dns.servers.size());
}
