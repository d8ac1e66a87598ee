// Longer than the ~500 lines a file should keep to, and still one job: the
// life of a connection, from accept through reading its request head, the
// hand-over to a worker and back, to the timeouts that close it. The event
// thread and the pool share the Connection and its phases, private here.

#include "http/listener_loop.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "http/connection_stream.h"

namespace tierd {
namespace {

using Steady = std::chrono::steady_clock;

// How long a refused connection is read and discarded after its answer, so
// that a client still sending gets to read the answer instead of a reset.
constexpr auto kLinger = std::chrono::seconds(2);
constexpr auto kSweepEvery = std::chrono::milliseconds(50);
constexpr auto kSummaryEvery = std::chrono::minutes(1);
// Requests on one connection before the answer says Connection: close.
constexpr int kMaxRequestsPerConnection = 1000;
constexpr size_t kReadChunk = 16 * 1024;
// Chunk framing a body may add on top of max_body_bytes before a worker
// stops reading it.
constexpr size_t kFramingAllowance = 64 * 1024;

// Set by the post-routing handler on the worker serving the request: the
// answer may leave part of the request unread, so the connection closes.
thread_local bool t_close_after_response = false;

bool leaves_request_unread(int status) {
  return status == 400 || status == 413 || status == 414 || status == 431 || status >= 500;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Service Unavailable";
  }
}

std::string canned_response(int status) {
  std::string body = status == 408   ? R"({"error":"request head not received in time"})"
                     : status == 431 ? R"({"error":"request headers too large"})"
                                     : R"({"error":"busy, retry"})";
  std::string out =
      "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason_phrase(status)) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n";
  if (status == 503) out += "Retry-After: 1\r\n";
  return out + "\r\n" + body;
}

}  // namespace

enum class ListenerLoop::Phase {
  kHandshake,  // TLS handshake under way
  kHead,       // reading a request head
  kBody,       // reading a body of declared length
  kIdle,       // kept alive, waiting for the next request
  kWorker,     // a worker has it
  kLinger,     // answered and closing; discarding what still arrives
};

struct ListenerLoop::Connection {
  int fd = -1;
  SSL* ssl = nullptr;
  Phase phase = Phase::kHead;
  std::string buffer;  // received, not yet handed to a worker
  Steady::time_point deadline;
  Steady::time_point idle_since;
  size_t want = 0;  // kBody: bytes the request needs in buffer
  int requests = 0;
  bool keep = false;      // set by the worker: serve the next request
  bool linger = false;    // set by the worker: close as refuse() does
  uint32_t watching = 0;  // epoll events registered; 0 when not registered
};

ListenerLoop::ListenerLoop(RequestRouter& router, ListenerLimits limits)
    : router_(router), limits_(limits), head_limits_{limits.max_header_bytes, limits.max_headers} {
  router_.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    if (leaves_request_unread(res.status)) t_close_after_response = true;
  });
  // The Keep-Alive header tells clients what the loop enforces.
  router_.set_keep_alive_timeout(std::max<time_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(limits.idle_timeout).count()));
  router_.set_keep_alive_max_count(kMaxRequestsPerConnection);
}

ListenerLoop::~ListenerLoop() = default;

ListenerStats ListenerLoop::stats() const {
  ListenerStats s;
  s.accepted = counters_.accepted;
  s.requests = counters_.requests;
  s.head_timeouts = counters_.head_timeouts;
  s.headers_too_large = counters_.headers_too_large;
  s.busy = counters_.busy;
  s.over_capacity = counters_.over_capacity;
  s.idle_closed = counters_.idle_closed;
  s.tls_failures = counters_.tls_failures;
  return s;
}

void ListenerLoop::stop() {
  stopping_ = true;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }
}

void ListenerLoop::run(int listen_fd, SSL_CTX* tls) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd, &ev);
  ev.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  if (stopping_) stop();  // a stop() before the wake descriptor existed

  {
    MutexLock lock(mutex_);
    workers_stop_ = false;
  }
  for (int i = 0; i < limits_.workers; ++i) workers_.emplace_back([this] { work(); });

  last_summary_ = Steady::now();
  auto last_sweep = Steady::now();
  epoll_event events[256];
  while (!stopping_) {
    int n = epoll_wait(epoll_fd_, events, 256,
                       static_cast<int>(std::chrono::milliseconds(kSweepEvery).count()));
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd) {
        accept_all(listen_fd, tls);
      } else if (fd == wake_fd_) {
        uint64_t count;
        [[maybe_unused]] auto r = ::read(wake_fd_, &count, sizeof count);
        take_back_returned();
      } else if (auto it = connections_.find(fd); it != connections_.end()) {
        on_event(*it->second, events[i].events);
      }
    }
    if (Steady::now() - last_sweep >= kSweepEvery) {
      sweep();
      last_sweep = Steady::now();
    }
    if (Steady::now() - last_summary_ >= kSummaryEvery) log_summary(false);
  }

  // Requests already with a worker are answered; queued ones are not.
  std::deque<Connection*> unserved;
  {
    MutexLock lock(mutex_);
    workers_stop_ = true;
    unserved.swap(ready_);
  }
  ready_cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  for (Connection* c : unserved) c->keep = false;
  std::vector<int> fds;
  for (auto& [fd, c] : connections_) fds.push_back(fd);
  for (int fd : fds) close(*connections_.at(fd));
  {
    MutexLock lock(mutex_);
    returned_.clear();
  }
  log_summary(true);
  ::close(wake_fd_);
  ::close(epoll_fd_);
  wake_fd_ = epoll_fd_ = -1;
}

void ListenerLoop::watch(Connection& c, uint32_t events, bool add) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = c.fd;
  if (epoll_ctl(epoll_fd_, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd, &ev) == 0)
    c.watching = events;
}

bool ListenerLoop::make_room() {
  if (connections_.size() < static_cast<size_t>(limits_.max_connections)) return true;
  // The longest idle keep-alive connection goes first: its client just
  // reconnects for its next request.
  Connection* oldest = nullptr;
  for (auto& [fd, c] : connections_) {
    if (c->phase == Phase::kIdle && (oldest == nullptr || c->idle_since < oldest->idle_since)) {
      oldest = c.get();
    }
  }
  if (oldest == nullptr) return false;
  ++counters_.idle_closed;
  close(*oldest);
  return true;
}

void ListenerLoop::accept_all(int listen_fd, SSL_CTX* tls) {
  while (true) {
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) {
        spdlog::error(
            "listener: out of file descriptors; raise LimitNOFILE or lower "
            "listen.max_connections");
      }
      return;
    }
    ++counters_.accepted;
    if (!make_room()) {
      ++counters_.over_capacity;
      if (tls == nullptr) {
        const std::string busy = canned_response(503);
        [[maybe_unused]] auto sent = ::send(fd, busy.data(), busy.size(), MSG_NOSIGNAL);
      }
      ::close(fd);
      continue;
    }
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto c = std::make_unique<Connection>();
    c->fd = fd;
    c->deadline = Steady::now() + limits_.head_timeout;
    if (tls != nullptr) {
      c->ssl = SSL_new(tls);
      if (c->ssl == nullptr || SSL_set_fd(c->ssl, fd) != 1) {
        ERR_clear_error();
        SSL_free(c->ssl);
        ::close(fd);
        ++counters_.tls_failures;
        continue;
      }
      SSL_set_accept_state(c->ssl);
      c->phase = Phase::kHandshake;
    }
    Connection& ref = *c;
    connections_.emplace(fd, std::move(c));
    watch(ref, EPOLLIN, true);
  }
}

void ListenerLoop::on_event(Connection& c, uint32_t events) {
  if (c.phase == Phase::kLinger) {
    char sink[kReadChunk];
    while (true) {
      ssize_t n = ::recv(c.fd, sink, sizeof sink, 0);
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) close(c);
      return;
    }
  }
  if (c.phase == Phase::kHandshake) {
    ERR_clear_error();
    int r = SSL_do_handshake(c.ssl);
    if (r != 1) {
      int err = SSL_get_error(c.ssl, r);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        uint32_t want = err == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT;
        if (want != c.watching) watch(c, want, false);
        return;
      }
      ERR_clear_error();
      ++counters_.tls_failures;
      close(c);
      return;
    }
    c.phase = Phase::kHead;
    if (c.watching != EPOLLIN) watch(c, EPOLLIN, false);
  }
  (void)events;
  service(c);
}

// Reads until `limit` bytes are buffered or nothing more is there; false
// when the connection is finished (EOF or error) and was closed.
bool ListenerLoop::read_available(Connection& c, size_t limit) {
  char chunk[kReadChunk];
  while (c.buffer.size() < limit) {
    const size_t want = std::min(sizeof chunk, limit - c.buffer.size());
    ssize_t n;
    if (c.ssl != nullptr) {
      ERR_clear_error();
      short unused_event = 0;
      n = ssl_io_result(c.ssl, SSL_read(c.ssl, chunk, static_cast<int>(want)), unused_event);
    } else {
      n = ::recv(c.fd, chunk, want, 0);
      if (n == 0) errno = EIO;  // the client closed
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) {
      close(c);
      return false;
    }
    if (c.phase == Phase::kIdle) {
      c.phase = Phase::kHead;
      c.deadline = Steady::now() + limits_.head_timeout;
    }
    c.buffer.append(chunk, static_cast<size_t>(n));
  }
  return true;
}

void ListenerLoop::service(Connection& c) {
  while (c.phase == Phase::kHead || c.phase == Phase::kBody || c.phase == Phase::kIdle) {
    const size_t before = c.buffer.size();
    const size_t limit = c.phase == Phase::kBody ? c.want : limits_.max_header_bytes + 1;
    if (!read_available(c, limit)) return;
    if (!advance(c)) return;
    if (c.buffer.size() == before) return;  // nothing new: wait for the socket
  }
}

// Moves `c` on with what it has buffered; false when it left the loop's
// reading phases (handed to a worker, refused or closed).
bool ListenerLoop::advance(Connection& c) {
  if (c.phase == Phase::kIdle) return true;  // read_available() moves it on at the first byte
  if (c.phase == Phase::kHead) {
    const RequestHead head = scan_request_head(c.buffer, head_limits_);
    if (head.state == HeadState::kIncomplete) return true;
    if (head.state == HeadState::kTooLarge) {
      ++counters_.headers_too_large;
      spdlog::debug("listener: 431 for a request head over {} bytes or {} fields",
                    limits_.max_header_bytes, limits_.max_headers);
      refuse(c, 431);
      return false;
    }
    c.want = head.head_bytes;
    // A body of declared length within the limit is waited for here; any
    // other body (chunked, or too large to be accepted) is left to the worker.
    // A client that waits for 100 Continue gets it from the worker.
    if (!head.chunked && !head.expects_continue && head.content_length &&
        *head.content_length <= limits_.max_body_bytes) {
      c.want += static_cast<size_t>(*head.content_length);
    }
    c.phase = Phase::kBody;
  }
  if (c.buffer.size() < c.want) return true;
  dispatch(c);
  return false;
}

void ListenerLoop::dispatch(Connection& c) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
  c.watching = 0;
  c.phase = Phase::kWorker;
  {
    MutexLock lock(mutex_);
    if (ready_.size() < static_cast<size_t>(idle_workers_ + limits_.workers)) {
      ready_.push_back(&c);
      ++counters_.requests;
      ready_cv_.notify_one();
      return;
    }
  }
  ++counters_.busy;
  c.phase = Phase::kHead;
  watch(c, EPOLLIN, true);
  refuse(c, 503);
}

void ListenerLoop::refuse(Connection& c, int status) {
  const std::string answer = canned_response(status);
  if (c.ssl != nullptr) {
    ERR_clear_error();
    SSL_write(c.ssl, answer.data(), static_cast<int>(answer.size()));
    ERR_clear_error();
  } else {
    [[maybe_unused]] auto sent = ::send(c.fd, answer.data(), answer.size(), MSG_NOSIGNAL);
  }
  start_linger(c);
}

void ListenerLoop::start_linger(Connection& c) {
  ::shutdown(c.fd, SHUT_WR);
  std::string().swap(c.buffer);
  c.phase = Phase::kLinger;
  c.deadline = Steady::now() + kLinger;
  if (c.watching != EPOLLIN) watch(c, EPOLLIN, c.watching == 0);
}

void ListenerLoop::close(Connection& c) {
  const int fd = c.fd;
  if (c.watching != 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  if (c.ssl != nullptr) SSL_free(c.ssl);
  ::close(fd);
  connections_.erase(fd);  // destroys c
}

void ListenerLoop::sweep() {
  const auto now = Steady::now();
  std::vector<Connection*> expired;
  for (auto& [fd, c] : connections_) {
    if (c->phase != Phase::kWorker && c->deadline <= now) expired.push_back(c.get());
  }
  for (Connection* c : expired) {
    switch (c->phase) {
      case Phase::kHandshake:
        ++counters_.head_timeouts;
        close(*c);
        break;
      case Phase::kHead:
      case Phase::kBody:
        ++counters_.head_timeouts;
        refuse(*c, 408);
        break;
      case Phase::kIdle:
        ++counters_.idle_closed;
        close(*c);
        break;
      default:
        close(*c);
    }
  }
}

void ListenerLoop::take_back_returned() {
  std::vector<Connection*> back;
  {
    MutexLock lock(mutex_);
    back.swap(returned_);
  }
  for (Connection* c : back) {
    if (c->linger && !stopping_) {
      start_linger(*c);
      continue;
    }
    if (!c->keep || stopping_) {
      close(*c);
      continue;
    }
    c->idle_since = Steady::now();
    if (c->buffer.empty()) {
      std::string().swap(c->buffer);
      c->phase = Phase::kIdle;
      c->deadline = c->idle_since + limits_.idle_timeout;
    } else {
      c->phase = Phase::kHead;  // the next request began with the last one
      c->deadline = c->idle_since + limits_.head_timeout;
    }
    watch(*c, EPOLLIN, true);
    // Pipelined bytes, or bytes TLS already decrypted, raise no event.
    if (!c->buffer.empty() || (c->ssl != nullptr && SSL_pending(c->ssl) > 0)) service(*c);
  }
}

void ListenerLoop::work() {
  while (true) {
    Connection* c = nullptr;
    {
      MutexLock lock(mutex_);
      ++idle_workers_;
      while (!workers_stop_ && ready_.empty()) ready_cv_.wait(lock);
      --idle_workers_;
      if (ready_.empty()) return;
      c = ready_.front();
      ready_.pop_front();
    }
    serve(*c);
    {
      MutexLock lock(mutex_);
      returned_.push_back(c);
    }
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }
}

void ListenerLoop::serve(Connection& c) {
  const bool close_connection = stopping_ || ++c.requests >= kMaxRequestsPerConnection;
  ConnectionStream stream(c.fd, c.ssl, std::move(c.buffer), Steady::now() + limits_.head_timeout,
                          limits_.write_timeout,
                          limits_.max_header_bytes + limits_.max_body_bytes + kFramingAllowance);
  bool closed = false;
  t_close_after_response = false;
  bool answered = false;
  try {
    answered = router_.serve_one(stream, close_connection, closed);
  } catch (const std::exception& e) {
    spdlog::error("listener: a request failed: {}", e.what());
  } catch (...) {
    spdlog::error("listener: a request failed");
  }
  c.buffer = stream.take_leftover();
  c.keep = answered && !closed && !close_connection && !t_close_after_response;
  c.linger = answered && t_close_after_response;
}

void ListenerLoop::log_summary(bool force) {
  last_summary_ = Steady::now();
  const ListenerStats now = stats();
  const auto delta = [](uint64_t a, uint64_t b) { return a - b; };
  const uint64_t timeouts = delta(now.head_timeouts, logged_.head_timeouts);
  const uint64_t too_large = delta(now.headers_too_large, logged_.headers_too_large);
  const uint64_t busy = delta(now.busy, logged_.busy);
  const uint64_t full = delta(now.over_capacity, logged_.over_capacity);
  const uint64_t tls = delta(now.tls_failures, logged_.tls_failures);
  if (timeouts + too_large + busy + full + tls > 0 || (force && now.accepted > 0)) {
    spdlog::log(timeouts + too_large + busy + full > 0 ? spdlog::level::warn : spdlog::level::info,
                "listener: event=refusals head_timeouts={} headers_too_large={} busy_503={} "
                "over_capacity={} tls_failures={} (requests={} accepted={})",
                timeouts, too_large, busy, full, tls, now.requests - logged_.requests,
                now.accepted - logged_.accepted);
  }
  logged_ = now;
}

}  // namespace tierd
