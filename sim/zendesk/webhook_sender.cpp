#include "sim/zendesk/webhook_sender.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "core/time.h"
#include "zendesk/webhook_signature.h"

namespace tierd::sim {

using nlohmann::json;

json delivery_json(const WebhookDelivery& d) {
  return {{"event_id", d.event_id},
          {"type", d.type},
          {"ticket_id", d.ticket_id},
          {"invocation_id", d.invocation_id},
          {"webhook_id", d.webhook_id},
          {"http_status", d.http_status},
          {"attempts", d.attempts},
          {"outcome", d.outcome},
          {"error", d.error}};
}

WebhookSender::WebhookSender(WebhookSenderOptions options)
    : options_(std::move(options)), worker_("webhooks") {
  default_target_.secret = options_.secret;
  default_target_.webhook_id = options_.webhook_id;
  if (!options_.url.empty() &&
      !split_url(options_.url, default_target_.origin, default_target_.path)) {
    default_target_.origin.clear();
    spdlog::error("event=webhook_config_invalid url_has_no_scheme=true");
  }
}

WebhookSender::~WebhookSender() {
  stop();
}

void WebhookSender::start() {
  worker_.start([this] { run(); });
}

void WebhookSender::stop() {
  worker_.stop();
}

void WebhookSender::enqueue(const json& event) {
  enqueue_resolved(default_target_, event, "no webhook url");
}

void WebhookSender::enqueue_to(const WebhookTarget& target, const json& event) {
  Resolved resolved{"", "", target.secret, target.webhook_id};
  if (!split_url(target.url, resolved.origin, resolved.path)) resolved.origin.clear();
  enqueue_resolved(resolved, event, "webhook endpoint has no scheme");
}

void WebhookSender::enqueue_resolved(const Resolved& target, const json& event,
                                     const char* undeliverable_reason) {
  WebhookDelivery d;
  d.webhook_id = target.webhook_id;
  d.event_id = event.value("id", "");
  d.type = event.value("type", "");
  if (event.contains("detail") && event["detail"].contains("id")) {
    d.ticket_id = std::stoll(event["detail"]["id"].get<std::string>());
  }
  std::string body = event.dump(-1, ' ', false, json::error_handler_t::replace);
  {
    MutexLock lock(mutex_);
    d.invocation_id = std::to_string(next_invocation_++);
    if (paused_ || target.origin.empty()) {
      d.outcome = "dropped";
      d.error = paused_ ? "webhooks paused" : undeliverable_reason;
      deliveries_.push_back(std::move(d));
      return;
    }
    deliveries_.push_back(std::move(d));
    queue_.push_back({deliveries_.size() - 1, std::move(body), target});
  }
  worker_.wake();
}

void WebhookSender::set_paused(bool paused) {
  {
    MutexLock lock(mutex_);
    paused_ = paused;
    if (!paused) return;
    for (const auto& p : queue_) {
      deliveries_[p.index].outcome = "dropped";
      deliveries_[p.index].error = "webhooks paused";
    }
    queue_.clear();
  }
  worker_.wake();  // ends a back-off in progress
}

bool WebhookSender::paused() const {
  MutexLock lock(mutex_);
  return paused_;
}

std::vector<WebhookDelivery> WebhookSender::deliveries() const {
  MutexLock lock(mutex_);
  return deliveries_;
}

void WebhookSender::clear() {
  MutexLock lock(mutex_);
  // Queued items index into deliveries_, so only finished records can go.
  if (queue_.empty() && !in_flight_) deliveries_.clear();
}

int WebhookSender::send_once(const Resolved& target, const std::string& body,
                             const std::string& invocation_id, std::string& error) {
  httplib::Client client(target.origin);
  client.set_tcp_nodelay(true);
  client.set_follow_location(false);
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(options_.timeout);
  auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout - secs);
  client.set_connection_timeout(secs.count(), usecs.count());
  client.set_read_timeout(secs.count(), usecs.count());
  client.set_write_timeout(secs.count(), usecs.count());
  const std::string timestamp =
      format_instant(Instant(std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())));
  httplib::Headers headers = {
      {"User-Agent", "Zendesk Webhook"},
      {"x-zendesk-account-id", std::to_string(options_.account_id)},
      {"x-zendesk-webhook-id", target.webhook_id},
      {"x-zendesk-webhook-invocation-id", invocation_id},
      {"x-zendesk-webhook-signature", zendesk::compute_signature(target.secret, timestamp, body)},
      {"x-zendesk-webhook-signature-timestamp", timestamp},
  };
  auto res = client.Post(target.path, headers, body, "application/json");
  if (!res) {
    error = httplib::to_string(res.error());
    return 0;
  }
  return res->status;
}

void WebhookSender::run() {
  // Stopping abandons what is queued, like a process exit.
  while (!worker_.stopping()) {
    if (auto item = next_pending()) {
      deliver(*item);
    } else {
      worker_.wait();
    }
  }
}

std::optional<WebhookSender::Pending> WebhookSender::next_pending() {
  MutexLock lock(mutex_);
  if (queue_.empty()) return std::nullopt;
  Pending item = std::move(queue_.front());
  queue_.pop_front();
  in_flight_ = true;
  return item;
}

void WebhookSender::deliver(const Pending& item) {
  std::string invocation_id;
  {
    MutexLock lock(mutex_);
    invocation_id = deliveries_[item.index].invocation_id;
  }
  std::chrono::milliseconds backoff = options_.retry_backoff;
  for (int attempt = 1; attempt <= 1 + options_.max_retries; ++attempt) {
    std::string error;
    const int status = send_once(item.target, item.body, invocation_id, error);
    const bool delivered = status >= 200 && status < 300;
    const bool retryable = status == 0 || status == 409 || status == 429 || status >= 500;
    const bool last = delivered || !retryable || attempt == 1 + options_.max_retries;
    {
      MutexLock lock(mutex_);
      WebhookDelivery& d = deliveries_[item.index];
      d.attempts = attempt;
      d.http_status = status;
      d.error = error;
      if (delivered) {
        d.outcome = "delivered";
      } else if (last) {
        d.outcome = "failed";
        spdlog::warn("event=webhook_failed ticket={} type={} status={} attempts={} error={}",
                     d.ticket_id, d.type, status, attempt, error);
      }
    }
    if (last) break;
    // The back-off ends early when the sender stops or webhooks are paused.
    const Instant until = worker_.clock().now() + backoff;
    const char* cut_short = nullptr;
    while (!cut_short && worker_.clock().now() < until) {
      if (!worker_.wait_until(until)) {
        cut_short = "failed";
      } else if (paused()) {
        cut_short = "dropped";
      }
    }
    if (cut_short) {
      MutexLock lock(mutex_);
      deliveries_[item.index].outcome = cut_short;
      break;
    }
    backoff *= 2;
  }
  MutexLock lock(mutex_);
  in_flight_ = false;
}

}  // namespace tierd::sim
