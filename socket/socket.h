// The whole public API of //socket (AnyEvent::Socket) in one include.
//
// Example:
//   #include "socket/socket.h"
//   ae::Result<ae::TcpServer> server = ae::tcp_server("127.0.0.1", "0",
//       [](int fd, const std::string&, std::uint16_t) { ::close(fd); });
//   ae::CondVar<std::error_code> done;
//   ae::Guard g = ae::tcp_connect("127.0.0.1", std::to_string(server->port()),
//       [&](std::error_code ec, ae::Connection c) { if (!ec) ::close(c.fd); done.send(ec); });
//   std::error_code ec = done.recv();
#pragma once

#include "socket/address.h"
#include "socket/connect.h"
#include "socket/hostport.h"
#include "socket/options.h"
#include "socket/resolve.h"
#include "socket/server.h"
#include "socket/udp.h"
