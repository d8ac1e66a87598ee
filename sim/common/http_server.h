// The HTTP face of a simulator's service: a cpp-httplib server on loopback
// that turns each request into a SimRequest, hands it to the service's
// handler and writes back the SimResponse, or closes the connection without
// an answer when a fault says so.
//
// Owns its listening thread. start()/stop() from the owning thread only;
// handlers run on the server's thread pool.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/status.h"
#include "sim/common/sim_http.h"

namespace httplib {
class Server;
}

namespace tierd::sim {

class SimHttpServer {
 public:
  using Handler = std::function<SimResponse(const SimRequest&)>;
  // `handler` may be called from many threads at once.
  explicit SimHttpServer(Handler handler);
  ~SimHttpServer();
  SimHttpServer(const SimHttpServer&) = delete;
  SimHttpServer& operator=(const SimHttpServer&) = delete;

  // Binds host:port (port 0 = any free port) and starts serving. Returns the
  // bound port on success; Unavailable when the address cannot be bound.
  Result<int> start(const std::string& host, int port, int threads);
  void stop();

 private:
  const Handler handler_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace tierd::sim
