// WebhookHandler: POST /webhooks/<vendor> — authenticate, parse, store
// durably, ack. One handler serves the configured helpdesk's route; what
// differs between vendors (path, authentication, body mapping) is its
// WebhookVendor (webhook_vendor.h), every guarantee below is the same.
//
// handle() takes plain data (headers, body) and returns plain data (status,
// JSON body), so the whole response table is unit-tested without HTTP;
// register_webhook_route() is the thin httplib adapter. Checks, in order:
//   body larger than max_body_bytes              → 413 {"error":"payload too large"}
//   Content-Type not application/json (params ok) → 415 {"error":"unsupported media type"}
//   not authentic (Zendesk: signature/timestamp missing, malformed, outside
//     the tolerance or matching no secret; Freshdesk: no secret, or none
//     matching)                                   → 401 {"error":"invalid signature"}
//                                                   (Freshdesk: "invalid credentials")
//     (checked before the body is parsed; the answer never says which part failed)
//   body not a mappable delivery                  → 400 {"error":"malformed payload: <reason>"}
//   a type tierd does not act on                  → 200 {"status":"ignored"} (not stored)
//   stored in the inbox                           → 200 {"status":"accepted"}
//   event id already stored                       → 200 {"status":"duplicate"}
//   store failure or anything unexpected          → 503 {"error":"store unavailable, retry"}
// The 200 is sent only after the inbox commit is durable (InboxWriter). Each
// delivery produces one log line (event=, type=, ticket=, outcome=, latency_ms=)
// and one tierd_webhook_deliveries_total{outcome} increment.
//
// Ownership: borrows the Clock, InboxWriter and Metrics, which must outlive
// the handler; owns its WebhookVendor. Threads: handle() is called concurrently by HTTP worker
// threads; the handler keeps no mutable state of its own.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/time.h"
#include "engine/inbox_writer.h"
#include "http/webhook_request.h"
#include "http/webhook_vendor.h"
#include "metrics/metrics.h"
#include "runtime/clock.h"
#include "runtime/mutex.h"

namespace httplib {
class Server;
}

namespace tierd {

struct WebhookHandlerOptions {
  HelpdeskVendor vendor = HelpdeskVendor::kZendesk;  // whose route this is
  std::vector<std::string> secrets;                  // 1, or 2 while a webhook secret is rotated
  Duration timestamp_tolerance = std::chrono::minutes(5);  // signed deliveries (Zendesk)
  size_t max_body_bytes = 256 * 1024;
};

class WebhookHandler {
 public:
  WebhookHandler(WebhookHandlerOptions options, const Clock& clock, InboxWriter& inbox,
                 Metrics& metrics);

  // Never throws; see the table above.
  WebhookResponse handle(const WebhookRequest& request);
  // For a delivery whose body was not read whole (`request.body` is what
  // was): 413 when it was larger than max_body_bytes, else 400. Counted and
  // logged like handle()'s answers.
  WebhookResponse refuse_body(const WebhookRequest& request, bool too_large);

  size_t max_body_bytes() const { return options_.max_body_bytes; }
  HelpdeskVendor vendor() const { return vendor_->vendor(); }
  // The route's path, "/webhooks/<vendor>".
  std::string_view path() const { return vendor_->path(); }
  // Replaces the webhook secrets (a SIGHUP after the secret was rotated or
  // written by `tierd setup`); deliveries already being checked finish with
  // the old ones.
  void set_secrets(std::vector<std::string> secrets) EXCLUDES(secrets_mutex_);

 private:
  WebhookResponse handle_checked(const WebhookRequest& request,
                                 std::chrono::steady_clock::time_point started);
  WebhookResponse finish(std::string_view outcome, WebhookResponse response,
                         std::chrono::steady_clock::time_point started, std::string_view event_id,
                         std::string_view type, std::optional<int64_t> ticket_id,
                         std::string_view detail);

  std::shared_ptr<const std::vector<std::string>> secrets() const EXCLUDES(secrets_mutex_);

  // Set at construction (options_.secrets only seeds secrets_).
  const WebhookHandlerOptions options_;
  const std::unique_ptr<const WebhookVendor> vendor_;
  const Clock& clock_;
  InboxWriter& inbox_;
  Metrics& metrics_;

  mutable Mutex secrets_mutex_;
  std::shared_ptr<const std::vector<std::string>> secrets_ GUARDED_BY(secrets_mutex_);
};

// Mounts POST handler.path() on `server` (the other vendors' routes are not
// served: 404), and sets the server-wide options
// the route relies on: payload_max_length = max_body_bytes + 1 and
// TCP_NODELAY. The route reads the body itself and stops at max_body_bytes,
// so a body too large gets the same counted and logged 413 whether it came
// with Content-Length (httplib refuses it unread) or chunked.
void register_webhook_route(httplib::Server& server, WebhookHandler& handler);

}  // namespace tierd
