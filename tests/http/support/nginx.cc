#include "tests/http/support/nginx.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>
#include <sstream>
#include <stdexcept>

#include "http/client.h"
#include "tests/http/support/ports.h"

namespace ae::http_test {
namespace {

std::string token() {
  std::random_device rd;
  return std::to_string(rd()) + "-" + std::to_string(rd());
}

}  // namespace

Nginx::Nginx(std::string name, int ports, Config config)
    : name_(std::move(name)), port_count_(ports), config_(std::move(config)) {
  dir_ = examples_test::temp_dir("nginx-" + name_);
  ::mkdir((dir_ + "/html").c_str(), 0755);
}

Nginx::~Nginx() {
  if (process_) process_->stop(SIGTERM);
}

void Nginx::start() {
  const std::string ready = token();
  auto command = [&](const Ports& ports) {
    // Workers run as the current user (as root, nginx would switch them to nobody, who cannot
    // read $TEST_TMPDIR).
    std::ostringstream conf;
    if (::geteuid() == 0) conf << "user root root;\n";
    conf << "load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;\n"
         << "worker_processes 1;\n"
         << "pid " << dir_ << "/nginx.pid;\n"
         << "error_log " << dir_ << "/error.log;\n"
         << "events { worker_connections 256; }\n"
         << "http {\n"
         << "  log_format conn '$remote_addr \"$request\" $status $body_bytes_sent "
            "conn=$connection';\n"
         << "  access_log " << dir_ << "/access.log conn;\n";
    for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
      conf << "  " << temp << "_temp_path " << dir_ << "/" << temp << ";\n";
    }
    conf << "  include /etc/nginx/mime.types;\n"
         << "  default_type application/octet-stream;\n"
         << config_(ports, dir_)
         << "\n"
         // After the test's servers, so that one of those is the port's default server.
         << "  server {\n"
         << "    listen 127.0.0.1:" << ports[0] << ";\n"
         << "    server_name ae-ready.test;\n"
         << "    location = /__ready { return 200 \"" << ready << "\"; }\n"
         << "  }\n"
         << "}\n";
    examples_test::write_file(dir_ + "/nginx.conf", conf.str());
    ::unlink((dir_ + "/error.log").c_str());
    return std::vector<std::string>{
        "/usr/sbin/nginx",   "-c", dir_ + "/nginx.conf", "-p", dir_, "-e",
        dir_ + "/error.log", "-g", "daemon off;"};
  };
  // Up when it answers with this start's token (another server on the port would not).
  auto probe = [&](const Ports& ports, ProbeDone done) {
    http::Options o;
    o.persistent = false;
    o.proxy = "";
    o.headers.add("Host", "ae-ready.test");
    return http::http_get("http://127.0.0.1:" + std::to_string(ports[0]) + "/__ready", std::move(o),
                          [ready, done](std::string body, http::Response) { done(body == ready); });
  };
  StartedServer s = start_on_free_ports(port_count_, command, probe, dir_ + "/error.log");
  process_ = std::move(s.process);
  ports_ = std::move(s.ports);
}

std::string Nginx::url(std::string_view path, std::size_t port_index) const {
  return "http://127.0.0.1:" + std::to_string(ports_.at(port_index)) + std::string(path);
}

std::string Nginx::access_log() const { return examples_test::read_file(dir_ + "/access.log"); }

std::vector<std::string> Nginx::connections_of(std::string_view part) const {
  std::vector<std::string> out;
  std::istringstream in(access_log());
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(part) == std::string::npos) continue;
    std::size_t at = line.rfind(" conn=");
    if (at != std::string::npos) out.push_back(line.substr(at + 6));
  }
  return out;
}

}  // namespace ae::http_test
