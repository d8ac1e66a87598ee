#include "sim/common/http_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <utility>

namespace tierd::sim {

namespace {

int port_of(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
  }
  return -1;
}

// httplib does not expose a request's socket, so find it by its two ports
// and shut it down: the client then sees the connection close with no answer.
void shut_connection(const httplib::Request& req) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return;
  while (dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == ::dirfd(dir)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
        ::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) {
      continue;
    }
    if (port_of(local) == req.local_port && port_of(peer) == req.remote_port) {
      ::shutdown(static_cast<int>(fd), SHUT_RDWR);
    }
  }
  ::closedir(dir);
}

}  // namespace

SimHttpServer::SimHttpServer(Handler handler) : handler_(std::move(handler)) {}

SimHttpServer::~SimHttpServer() {
  stop();
}

Result<int> SimHttpServer::start(const std::string& host, int port, int threads) {
  server_ = std::make_unique<httplib::Server>();
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(1000);
  server_->set_payload_max_length(16 * 1024 * 1024);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    SimRequest request;
    request.method = req.method;
    request.path = req.path;
    // Only the URL's query counts: httplib also merges form-encoded bodies
    // into req.params, and the vendors ignore those.
    if (auto q = req.target.find('?'); q != std::string::npos) {
      httplib::Params params;
      httplib::detail::parse_query_text(req.target.substr(q + 1), params);
      for (const auto& [k, v] : params) request.query[k] = v;
    }
    for (const auto& [k, v] : req.headers) {
      std::string name = k;
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers[name] = v;
    }
    request.body = req.body;
    SimResponse response = handler_(request);
    if (response.drop_connection) {
      shut_connection(req);
      res.set_header("Connection", "close");
      return;
    }
    res.status = response.status;
    for (const auto& [k, v] : response.headers) res.set_header(k, v);
    // 204 No Content answers carry no body.
    if (response.status != 204) {
      res.set_content(response.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                      "application/json; charset=utf-8");
    }
  };
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  server_->Put(".*", handler);
  server_->Delete(".*", handler);
  server_->Patch(".*", handler);

  int bound = port;
  if (port == 0) {
    bound = server_->bind_to_any_port(host);
  } else if (!server_->bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) {
    return Status::Unavailable("cannot bind " + host + ":" + std::to_string(port));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void SimHttpServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tierd::sim
