// ListenerLoop: the event thread and the worker pool behind HttpListener
// (see http_listener.h for what they guarantee). RequestRouter is the
// httplib::Server that holds the routes; the loop hands it one complete
// request at a time.
//
// Threads: run() on the thread that owns the loop; stop() and stats() from
// any thread. Connections belong to the event thread except while a worker
// serves one of their requests; the hand-over is under the pool's mutex.
#pragma once

#include <httplib.h>
#include <openssl/ssl.h>

#include <atomic>
#include <deque>
#include <memory>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/http_listener.h"
#include "http/request_head.h"
#include "runtime/mutex.h"

namespace tierd {

class RequestRouter : public httplib::Server {
 public:
  // One request from `stream`; false when none could be read or answered.
  bool serve_one(httplib::Stream& stream, bool close_connection, bool& connection_closed) {
    return process_request(stream, close_connection, connection_closed, nullptr);
  }
};

class ListenerLoop {
 public:
  ListenerLoop(RequestRouter& router, ListenerLimits limits);
  ~ListenerLoop();
  ListenerLoop(const ListenerLoop&) = delete;
  ListenerLoop& operator=(const ListenerLoop&) = delete;

  // Serves `listen_fd` (non-blocking, listening) until stop(); `tls` is the
  // context new connections start their handshake with, or null.
  void run(int listen_fd, SSL_CTX* tls);
  void stop();
  ListenerStats stats() const;

 private:
  struct Connection;
  enum class Phase;

  void accept_all(int listen_fd, SSL_CTX* tls);
  bool make_room();
  void on_event(Connection& c, uint32_t events);
  void service(Connection& c);
  bool read_available(Connection& c, size_t limit);
  bool advance(Connection& c);
  void dispatch(Connection& c);
  void refuse(Connection& c, int status);
  // Sends FIN, then reads and discards until the client closes or kLinger
  // passes, so that a client still sending reads the answer, not a reset.
  void start_linger(Connection& c);
  void close(Connection& c);
  void sweep();
  void take_back_returned();
  void watch(Connection& c, uint32_t events, bool add);
  void log_summary(bool force);

  void work();
  void serve(Connection& c);

  RequestRouter& router_;
  const ListenerLimits limits_;
  const HeadLimits head_limits_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;  // by fd; event thread

  // The worker pool: requests ready for a worker, connections done with one.
  Mutex mutex_;
  CondVar ready_cv_;
  std::deque<Connection*> ready_ GUARDED_BY(mutex_);
  std::vector<Connection*> returned_ GUARDED_BY(mutex_);
  int idle_workers_ GUARDED_BY(mutex_) = 0;
  bool workers_stop_ GUARDED_BY(mutex_) = false;
  std::vector<std::thread> workers_;

  struct Counters {
    std::atomic<uint64_t> accepted{0}, requests{0}, head_timeouts{0}, headers_too_large{0}, busy{0},
        over_capacity{0}, idle_closed{0}, tls_failures{0};
  } counters_;
  ListenerStats logged_;  // what the last summary line covered; event thread
  std::chrono::steady_clock::time_point last_summary_;
};

}  // namespace tierd
