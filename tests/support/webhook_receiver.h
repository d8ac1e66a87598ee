// WebhookReceiver: a real HTTP server on a free loopback port that collects
// the webhook deliveries POSTed to /hooks/zendesk, for tests of the
// simulator's outgoing webhooks.
//
// The server runs on its own thread from construction to destruction; every
// member may be called from the test's thread while deliveries arrive.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace tierd::testing {

struct ReceivedDelivery {
  nlohmann::json body;  // discarded (is_discarded()) when the body is not JSON
  std::string raw;      // the bytes the signature covers
  httplib::Headers headers;
};

class WebhookReceiver {
 public:
  // Answers the first `fail_first` deliveries with 503 (and does not keep
  // them), to exercise the sender's retries. Throws std::runtime_error when
  // no port can be bound.
  explicit WebhookReceiver(int fail_first = 0);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string url() const;
  // Waits up to 5 s until at least `n` deliveries arrived; returns all so far.
  std::vector<ReceivedDelivery> wait_for(size_t n);
  size_t count();

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  int fail_first_;                          // guarded by mutex_
  std::vector<ReceivedDelivery> received_;  // guarded by mutex_
};

}  // namespace tierd::testing
