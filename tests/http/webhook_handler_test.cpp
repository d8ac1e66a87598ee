#include <catch2/catch.hpp>

#include "support/inbox_only_store.h"
#include "support/manual_clock.h"

#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/ticket_event.h"
#include "http/webhook_handler.h"
#include "zendesk/webhook_signature.h"
#include "support/fixtures.h"

using namespace tierd;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// In-memory inbox; every other Store method is unused by the handler.
class MemoryInbox final : public tierd::testing::InboxOnlyStore {
 public:
  Result<std::vector<AppendOutcome>> append_inbox(std::vector<InboxRecord>& records) override {
    std::lock_guard lock(mutex_);
    if (fail_) return Status::Unavailable("disk I/O error");
    std::vector<AppendOutcome> out;
    for (auto& r : records) {
      if (ids_.insert(r.event_id).second) {
        stored_.push_back(r);
        out.push_back(AppendOutcome::kAccepted);
      } else {
        out.push_back(AppendOutcome::kDuplicate);
      }
    }
    return out;
  }
  void set_fail(bool f) {
    std::lock_guard lock(mutex_);
    fail_ = f;
  }
  std::vector<InboxRecord> stored() {
    std::lock_guard lock(mutex_);
    return stored_;
  }


 private:
  std::mutex mutex_;
  bool fail_ = false;
  std::set<std::string> ids_;
  std::vector<InboxRecord> stored_;
};

constexpr const char* kNow = "2025-03-10T09:22:41Z";
const std::string kCurrentSecret = "current-secret-2025";
const std::string kOldSecret = "old-secret-2024";

struct Fixture {
  MemoryInbox store;
  InboxWriter writer{store, {}};
  Metrics metrics;
  tierd::testing::ManualClock clock{*parse_instant(kNow)};
  WebhookHandler handler;

  explicit Fixture(size_t max_body = 256 * 1024)
      : handler({.secrets = {kCurrentSecret, kOldSecret},
                 .timestamp_tolerance = 5min,
                 .max_body_bytes = max_body},
                clock, writer, metrics) {
    writer.start();
  }

  double count(std::string_view outcome) { return metrics.delivery(outcome).Value(); }
};

WebhookRequest signed_request(const std::string& body, const std::string& secret = kCurrentSecret,
                              const std::string& timestamp = kNow) {
  WebhookRequest r;
  r.body = body;
  r.headers["Content-Type"] = "application/json";
  r.headers["X-Zendesk-Webhook-Signature-Timestamp"] = timestamp;
  r.headers["X-Zendesk-Webhook-Signature"] = zendesk::compute_signature(secret, timestamp, body);
  r.headers["X-Zendesk-Webhook-Id"] = "01F1KRFQ6BG29CNWFR60NK5FNY";
  r.headers["X-Zendesk-Webhook-Invocation-Id"] = "8350205582";
  return r;
}

json body_of(const WebhookResponse& r) {
  CHECK(r.content_type == "application/json");
  return json::parse(r.body);
}

void check_refused(const WebhookResponse& r, int status, const std::string& error) {
  CHECK(r.status == status);
  CHECK(body_of(r) == json{{"error", error}});
}

}  // namespace

TEST_CASE("accepts a signed delivery and stores it before answering", "[webhook_handler]") {
  Fixture f;
  std::string body = testing::read_fixture("zendesk/ticket_status_changed.json");
  WebhookResponse r = f.handler.handle(signed_request(body));
  CHECK(r.status == 200);
  CHECK(body_of(r) == json{{"status", "accepted"}});
  auto stored = f.store.stored();
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].event_id == "a4d27e90-6c1b-4e58-9f03-7b2e1c5d8a46");
  CHECK(stored[0].ticket_id == 48213);
  CHECK(stored[0].type == "zen:event-type:ticket.status_changed");
  CHECK(stored[0].raw_body == body);
  CHECK(stored[0].received_at == *parse_instant(kNow));
  CHECK(stored[0].event_time == *parse_instant("2025-03-10T09:22:41Z"));
  auto event = ticket_event_from_json(json::parse(stored[0].event_json));
  REQUIRE(event.ok());
  CHECK(event->kind == EventKind::kStatusChanged);
  CHECK(event->current == "OPEN");
  CHECK(f.count("accepted") == 1);
  CHECK(f.metrics.webhook_ack_seconds().Collect().histogram.sample_count == 1);
}

TEST_CASE("a redelivery is acknowledged as a duplicate and stored once", "[webhook_handler]") {
  Fixture f;
  std::string body = testing::read_fixture("zendesk/ticket_created.json");
  CHECK(body_of(f.handler.handle(signed_request(body))) == json{{"status", "accepted"}});
  WebhookResponse again = f.handler.handle(signed_request(body));
  CHECK(again.status == 200);
  CHECK(body_of(again) == json{{"status", "duplicate"}});
  CHECK(f.store.stored().size() == 1);
  CHECK(f.count("duplicate") == 1);
}

TEST_CASE("a non-ticket event type is acknowledged as ignored and not stored",
          "[webhook_handler]") {
  Fixture f;
  WebhookResponse r = f.handler.handle(
      signed_request(R"({"type":"zen:event-type:user.created","id":"u-1","detail":{}})"));
  CHECK(r.status == 200);
  CHECK(body_of(r) == json{{"status", "ignored"}});
  CHECK(f.store.stored().empty());
  CHECK(f.count("ignored") == 1);
}

TEST_CASE("the trigger body uses the invocation id as its event id", "[webhook_handler]") {
  Fixture f;
  WebhookResponse r =
      f.handler.handle(signed_request(testing::read_fixture("zendesk/trigger_body_rendered.json")));
  CHECK(body_of(r) == json{{"status", "accepted"}});
  REQUIRE(f.store.stored().size() == 1);
  CHECK(f.store.stored()[0].event_id == "8350205582");
}

TEST_CASE("a body over the limit is refused with 413 before anything else", "[webhook_handler]") {
  Fixture f(1024);
  WebhookRequest r;  // no headers at all: size is checked first
  r.body = std::string(1025, ' ');
  check_refused(f.handler.handle(r), 413, "payload too large");
  CHECK(f.count("too_large") == 1);

  // Exactly at the limit is fine (here: a signed ignored delivery padded to 1024).
  std::string body = R"({"type":"zen:event-type:user.created"})";
  body += std::string(1024 - body.size(), ' ');
  CHECK(f.handler.handle(signed_request(body)).status == 200);
}

TEST_CASE("content type must be application/json, parameters allowed", "[webhook_handler]") {
  Fixture f;
  std::string body = testing::read_fixture("zendesk/ticket_created.json");

  WebhookRequest missing = signed_request(body);
  missing.headers.erase("Content-Type");
  check_refused(f.handler.handle(missing), 415, "unsupported media type");

  WebhookRequest form = signed_request(body);
  form.headers["Content-Type"] = "application/x-www-form-urlencoded";
  check_refused(f.handler.handle(form), 415, "unsupported media type");

  WebhookRequest text = signed_request(body);
  text.headers["Content-Type"] = "text/json";
  check_refused(f.handler.handle(text), 415, "unsupported media type");
  CHECK(f.count("unsupported_media_type") == 3);

  WebhookRequest charset = signed_request(body);
  charset.headers["Content-Type"] = "Application/JSON ; charset=UTF-8";
  CHECK(f.handler.handle(charset).status == 200);
}

TEST_CASE("missing, malformed and mismatching signatures get the same 401", "[webhook_handler]") {
  Fixture f;
  std::string body = testing::read_fixture("zendesk/ticket_created.json");

  WebhookRequest no_signature = signed_request(body);
  no_signature.headers.erase("X-Zendesk-Webhook-Signature");
  check_refused(f.handler.handle(no_signature), 401, "invalid signature");

  WebhookRequest no_timestamp = signed_request(body);
  no_timestamp.headers.erase("X-Zendesk-Webhook-Signature-Timestamp");
  check_refused(f.handler.handle(no_timestamp), 401, "invalid signature");

  WebhookRequest bad_timestamp = signed_request(body, kCurrentSecret, "yesterday");
  check_refused(f.handler.handle(bad_timestamp), 401, "invalid signature");

  check_refused(f.handler.handle(signed_request(body, "some-other-secret")), 401,
                "invalid signature");

  WebhookRequest tampered = signed_request(body);
  tampered.body[tampered.body.find("48213")] = '9';
  check_refused(f.handler.handle(tampered), 401, "invalid signature");

  CHECK(f.count("bad_signature") == 5);
  CHECK(f.store.stored().empty());
}

TEST_CASE("rejects a timestamp six minutes old or six minutes ahead", "[webhook_handler]") {
  Fixture f;
  std::string body = testing::read_fixture("zendesk/ticket_created.json");
  check_refused(f.handler.handle(signed_request(body, kCurrentSecret, "2025-03-10T09:16:41Z")), 401,
                "invalid signature");
  check_refused(f.handler.handle(signed_request(body, kCurrentSecret, "2025-03-10T09:28:41Z")), 401,
                "invalid signature");
  CHECK(f.count("stale") == 2);
  CHECK(f.store.stored().empty());
  // Four minutes either way is within the tolerance.
  CHECK(f.handler.handle(signed_request(body, kCurrentSecret, "2025-03-10T09:18:41Z")).status ==
        200);
  f.clock.advance(-8min);
  CHECK(body_of(f.handler.handle(signed_request(body, kCurrentSecret, "2025-03-10T09:18:41Z"))) ==
        json{{"status", "duplicate"}});
}

TEST_CASE("during a rotation both the old and the new secret are valid", "[webhook_handler]") {
  Fixture f;
  CHECK(
      f.handler.handle(signed_request(testing::read_fixture("zendesk/ticket_created.json"), kOldSecret)).status ==
      200);
  CHECK(f.handler
            .handle(signed_request(testing::read_fixture("zendesk/ticket_status_changed.json"), kCurrentSecret))
            .status == 200);
  CHECK(f.store.stored().size() == 2);
}

TEST_CASE("the signature is checked before the body is parsed", "[webhook_handler]") {
  Fixture f;
  WebhookRequest r = signed_request("{not json", "wrong-secret");
  check_refused(f.handler.handle(r), 401, "invalid signature");
  CHECK(f.count("malformed") == 0);
}

TEST_CASE("a signed but malformed body is refused with 400", "[webhook_handler]") {
  Fixture f;
  for (const char* body : {"{not json", "[1,2]", R"({"type":"zen:event-type:ticket.created"})"}) {
    INFO(body);
    WebhookResponse r = f.handler.handle(signed_request(body));
    CHECK(r.status == 400);
    CHECK(body_of(r)["error"].get<std::string>().rfind("malformed payload: ", 0) == 0);
  }
  CHECK(f.count("malformed") == 3);
  CHECK(f.store.stored().empty());
}

TEST_CASE("a store failure answers 503 with Retry-After", "[webhook_handler]") {
  Fixture f;
  f.store.set_fail(true);
  WebhookResponse r = f.handler.handle(signed_request(testing::read_fixture("zendesk/ticket_created.json")));
  check_refused(r, 503, "store unavailable, retry");
  CHECK(r.retry_after_seconds == 5);
  CHECK(f.count("store_unavailable") == 1);
  // The vendor's retry succeeds once the store is back.
  f.store.set_fail(false);
  CHECK(f.handler.handle(signed_request(testing::read_fixture("zendesk/ticket_created.json"))).status == 200);
}

TEST_CASE("a stopped inbox writer answers 503", "[webhook_handler]") {
  Fixture f;
  f.writer.stop();
  check_refused(f.handler.handle(signed_request(testing::read_fixture("zendesk/ticket_created.json"))), 503,
                "store unavailable, retry");
}

TEST_CASE("header names are matched case-insensitively", "[webhook_handler]") {
  Fixture f;
  std::string body = testing::read_fixture("zendesk/trigger_body_rendered.json");
  WebhookRequest r;
  r.body = body;
  r.headers["content-type"] = "application/json";
  r.headers["x-zendesk-webhook-signature-timestamp"] = kNow;
  r.headers["X-ZENDESK-WEBHOOK-SIGNATURE"] = zendesk::compute_signature(kCurrentSecret, kNow, body);
  r.headers["X-Zendesk-Webhook-INVOCATION-Id"] = "inv-77";
  CHECK(f.handler.handle(r).status == 200);
  REQUIRE(f.store.stored().size() == 1);
  CHECK(f.store.stored()[0].event_id == "inv-77");
  CHECK(CaseInsensitiveLess()("Content-Type", "content-typf"));
  CHECK_FALSE(CaseInsensitiveLess()("CONTENT-TYPE", "content-type"));
}

TEST_CASE("the metrics exposition carries the delivery counters", "[webhook_handler]") {
  Fixture f;
  (void)f.handler.handle(signed_request(testing::read_fixture("zendesk/ticket_created.json")));
  std::string text = f.metrics.exposition();
  CHECK(text.find("tierd_webhook_deliveries_total{outcome=\"accepted\"} 1") != std::string::npos);
  CHECK(text.find("tierd_webhook_deliveries_total{outcome=\"store_unavailable\"} 0") !=
        std::string::npos);
  CHECK(text.find("tierd_webhook_ack_seconds_count 1") != std::string::npos);
  CHECK(text.find("# TYPE tierd_escalations_total counter") != std::string::npos);
  CHECK(text.find("tierd_timer_lateness_seconds_bucket{le=\"0.001\"} 0") != std::string::npos);
}
