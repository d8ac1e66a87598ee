// Delivers webhook events the way Zendesk does: POST with a JSON body, signed
// (x-zendesk-webhook-signature over timestamp + body), one at a time in order,
// retrying timeouts, 409, 429 and 5xx a few times with a short back-off
// before giving up.
//
// Every event goes to the default target (the --webhook-url given at start,
// with its secret); enqueue_to() also sends it to another target (an
// API-created webhook with its own url, secret and id). All targets share the
// one queue and thread, so deliveries keep the order events were enqueued in.
//
// Owns one sender thread. enqueue(), pause(), deliveries() are safe from any
// thread; the destructor (or stop()) drains nothing: pending events are
// abandoned, like a process exit.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/mutex.h"
#include "runtime/worker_thread.h"
#include "sim/common/sim_http.h"

namespace tierd::sim {

// Where one delivery goes and how it is signed.
struct WebhookTarget {
  std::string url;  // "http://127.0.0.1:8080/webhooks/zendesk"
  std::string secret;
  std::string webhook_id;  // the x-zendesk-webhook-id header
};

struct WebhookSenderOptions {
  std::string url;  // "http://127.0.0.1:8080/webhooks/zendesk"; empty = no delivery
  std::string secret;
  int64_t account_id = 0;
  std::string webhook_id;
  std::chrono::milliseconds timeout{10000};
  int max_retries = 3;
  std::chrono::milliseconds retry_backoff{500};  // doubled after each failed attempt
};

// What happened to one event; shown by GET /sim/webhooks.
struct WebhookDelivery {
  std::string event_id;
  std::string type;
  int64_t ticket_id = 0;
  std::string invocation_id;
  std::string webhook_id;  // the target's
  int http_status = 0;     // last answer; 0 when none (refused, timeout, not tried)
  int attempts = 0;
  std::string outcome = "pending";  // pending | delivered | failed | dropped
  std::string error;
};

nlohmann::json delivery_json(const WebhookDelivery& d);

class WebhookSender {
 public:
  explicit WebhookSender(WebhookSenderOptions options);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  void start();
  void stop();

  // Queues one event (its JSON envelope) for delivery; dropped and recorded
  // as such while paused or when no URL is configured.
  void enqueue(const nlohmann::json& event) EXCLUDES(mutex_);
  // Queues one event for another target; dropped and recorded as such while
  // paused or when the target's URL has no scheme.
  void enqueue_to(const WebhookTarget& target, const nlohmann::json& event) EXCLUDES(mutex_);
  // Paused: new and queued events are dropped, as when the endpoint stayed
  // down past Zendesk's retries.
  void set_paused(bool paused) EXCLUDES(mutex_);
  bool paused() const EXCLUDES(mutex_);
  std::vector<WebhookDelivery> deliveries() const EXCLUDES(mutex_);
  void clear() EXCLUDES(mutex_);

 private:
  struct Resolved {
    std::string origin;  // "http://host:port"; empty = not deliverable
    std::string path;
    std::string secret;
    std::string webhook_id;
  };
  struct Pending {
    size_t index;  // into deliveries_
    std::string body;
    Resolved target;
  };
  void enqueue_resolved(const Resolved& target, const nlohmann::json& event,
                        const char* undeliverable_reason) EXCLUDES(mutex_);
  void run();
  std::optional<Pending> next_pending() EXCLUDES(mutex_);
  // All attempts of one delivery, with the back-off between them.
  void deliver(const Pending& item) EXCLUDES(mutex_);
  // Sends one attempt; returns the HTTP status or 0 with `error` set.
  int send_once(const Resolved& target, const std::string& body, const std::string& invocation_id,
                std::string& error);

  // Set at construction.
  const WebhookSenderOptions options_;
  Resolved default_target_;

  mutable Mutex mutex_;
  std::deque<Pending> queue_ GUARDED_BY(mutex_);
  std::vector<WebhookDelivery> deliveries_ GUARDED_BY(mutex_);
  bool paused_ GUARDED_BY(mutex_) = false;
  // The sender thread holds an index into deliveries_.
  bool in_flight_ GUARDED_BY(mutex_) = false;
  int64_t next_invocation_ GUARDED_BY(mutex_) = 8350205582;

  // Last: its thread uses the members above, so it stops before they go.
  WorkerThread worker_;
};

}  // namespace tierd::sim
