// Webhook ingest over loopback: an httplib::Server in this process running the
// real route, handler, inbox writer and SQLite store (FULL sync) in a TempDir,
// driven by real HTTP clients.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "engine/inbox_writer.h"
#include "freshdesk/webhook_payload.h"
#include "helpdesk/text_codec.h"
#include "http/http_listener.h"
#include "http/webhook_handler.h"
#include "metrics/metrics.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fixtures.h"
#include "support/manual_clock.h"
#include "support/process_harness.h"
#include "zendesk/webhook_payload.h"
#include "zendesk/webhook_signature.h"

using namespace tierd;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* kVectorTimestamp = "2025-03-10T09:22:41Z";
const std::string kSecret(zendesk::kTestSigningSecret);
constexpr size_t kMaxBody = 256 * 1024;

const std::string kFreshdeskSecret = "freshdesk-rule-secret-0123456789abcdef";

// The ingest path as the daemon wires it, on a free loopback port, serving
// the route of `vendor`.
class IngestServer {
 public:
  explicit IngestServer(HelpdeskVendor vendor = HelpdeskVendor::kZendesk)
      : clock_(*parse_instant(kVectorTimestamp)) {
    auto store = open_sqlite_store({.path = dir_.file("tierd.db"), .synchronous_full = true});
    REQUIRE(store.ok());
    store_ = std::move(store).value();
    writer_ = std::make_unique<InboxWriter>(*store_, InboxWriterOptions{},
                                            [this](size_t n) { committed_ += n; });
    writer_->start();
    WebhookHandlerOptions options;
    options.vendor = vendor;
    options.secrets = {"rotated-away-secret",
                       vendor == HelpdeskVendor::kFreshdesk ? kFreshdeskSecret : kSecret};
    options.max_body_bytes = kMaxBody;
    handler_ = std::make_unique<WebhookHandler>(options, clock_, *writer_, metrics_);
    ListenerLimits limits;
    limits.max_body_bytes = kMaxBody;
    listener_ = std::move(HttpListener::create(std::nullopt, limits)).value();
    register_webhook_route(listener_->server(), *handler_);
    auto port = listener_->bind("127.0.0.1", 0);
    REQUIRE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { listener_->run(); });
  }
  ~IngestServer() {
    listener_->stop();
    if (thread_.joinable()) thread_.join();
    writer_->stop();
  }

  int port() const { return port_; }
  Store& store() { return *store_; }
  InboxWriter& writer() { return *writer_; }
  Metrics& metrics() { return metrics_; }
  size_t committed() const { return committed_; }

  std::vector<InboxRecord> inbox() {
    auto records = store_->pending_inbox(0, 10000);
    REQUIRE(records.ok());
    return *records;
  }

 private:
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  Metrics metrics_;
  tierd::testing::ManualClock clock_;
  std::atomic<size_t> committed_{0};
  std::unique_ptr<InboxWriter> writer_;
  std::unique_ptr<WebhookHandler> handler_;
  std::unique_ptr<HttpListener> listener_;
  int port_ = 0;
  std::thread thread_;
};

std::unique_ptr<httplib::Client> client(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_tcp_nodelay(true);
  c->set_keep_alive(true);
  c->set_read_timeout(10, 0);
  return c;
}

httplib::Headers signed_headers(const std::string& signature,
                                const std::string& timestamp = kVectorTimestamp) {
  return {{"X-Zendesk-Webhook-Signature", signature},
          {"X-Zendesk-Webhook-Signature-Timestamp", timestamp},
          {"X-Zendesk-Webhook-Id", "01F1KRFQ6BG29CNWFR60NK5FNY"},
          {"User-Agent", "Zendesk Webhook"}};
}

httplib::Result post_signed(httplib::Client& c, const std::string& body,
                            const std::string& timestamp = kVectorTimestamp,
                            const std::string& content_type = "application/json") {
  return c.Post(std::string(zendesk::kWebhookPath),
                signed_headers(zendesk::compute_signature(kSecret, timestamp, body), timestamp),
                body, content_type.c_str());
}

json response_json(const httplib::Result& r) {
  REQUIRE(r);
  CHECK(r->get_header_value("Content-Type") == "application/json");
  return json::parse(r->body);
}

std::string status_changed_body(const std::string& event_id, int ticket) {
  json body = json::parse(testing::read_fixture("zendesk/ticket_status_changed.json"));
  body["id"] = event_id;
  body["detail"]["id"] = std::to_string(ticket);
  return body.dump();
}

}  // namespace

TEST_CASE("the fixtures' signature vectors are accepted over HTTP", "[ingest]") {
  IngestServer server;
  auto c = client(server.port());
  struct Row {
    const char* file;
    const char* signature;
  };
  const Row rows[] = {
      {"zendesk/ticket_created.json", "vJE4e0tdDdqhhk0SwGihH1c8olMYi4B7ANt7uMg2eb4="},
      {"zendesk/ticket_status_changed.json", "XBZB6Mdea2Oujqpy007fvA9jmrzpAfaf4beMrqUNlSE="},
      {"zendesk/ticket_group_assignment_changed.json",
       "znYnO5iRCyQVzJPfH4vn2ZNyO/u2gKYBlXfS2FN5IYk="},
      {"zendesk/ticket_agent_assignment_changed.json",
       "Ud794DNNZRo/60ogWD5VjDsvRHfqkfBjrWG8bK/ZJto="},
      {"zendesk/ticket_tags_changed.json", "q6aqUuAHfrqHtWDlVY40AlAiLQwY6DkAPZNHqvw6ty0="},
      {"zendesk/ticket_comment_added_internal_note.json",
       "tLr2thO3soaexCGtMTAIb1oahZ37xCD1p7UujA9PQQ0="},
      {"zendesk/ticket_comment_added_public_reply.json",
       "noUXddPjlTtUZ5JQo8RGqvT2drPTL3PNZzE/PwQ4kRI="},
      {"zendesk/trigger_body_rendered.json", "DRgMJCL5dVC1d5f3SGc85F/d3qJhdWp9lKZgtFYPw0A="},
  };
  for (const auto& row : rows) {
    INFO(row.file);
    std::string body = testing::read_fixture(row.file);
    auto headers = signed_headers(row.signature);
    headers.emplace("X-Zendesk-Webhook-Invocation-Id", std::string("inv-") + row.file);
    auto r = c->Post(std::string(zendesk::kWebhookPath), headers, body, "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(response_json(r) == json{{"status", "accepted"}});
  }
  // The empty-body vector verifies, but an empty body is not a delivery.
  auto empty = c->Post(std::string(zendesk::kWebhookPath),
                       signed_headers("U5w+UfdyYUQODsUS7KfakvJUOcfcC8RvUY1A2olnak4="), "",
                       "application/json");
  REQUIRE(empty);
  CHECK(empty->status == 400);

  auto inbox = server.inbox();
  REQUIRE(inbox.size() == 8);
  CHECK(inbox[0].event_id == "5b0e7c1a-93d4-4f2e-b8a6-0c41d2e9f713");
  CHECK(inbox[0].raw_body == testing::read_fixture("zendesk/ticket_created.json"));
  CHECK(inbox[7].event_id == "inv-zendesk/trigger_body_rendered.json");
  CHECK(inbox[7].type == "zendesk_trigger");
  for (size_t i = 1; i < inbox.size(); ++i) CHECK(inbox[i].seq > inbox[i - 1].seq);
}

// Collects what tierd logs while it is alive.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(lines_)) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  std::string text() {
    spdlog::default_logger()->flush();
    return lines_.str();
  }

 private:
  std::ostringstream lines_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_CASE("a body over the limit is counted and logged alike with Content-Length or chunked",
          "[ingest]") {
  IngestServer server;
  LogCapture log;
  const std::string big(kMaxBody + 1, ' ');
  const std::string huge(8 * kMaxBody, ' ');
  const std::string timestamp = kVectorTimestamp;
  auto headers = signed_headers(zendesk::compute_signature(kSecret, timestamp, big), timestamp);
  for (const std::string* body : {&big, &huge}) {
    auto sized = client(server.port())
                     ->Post(std::string(zendesk::kWebhookPath), headers, *body, "application/json");
    REQUIRE(sized);
    CHECK(sized->status == 413);
    // Without a length httplib sends the body chunked.
    auto chunked = client(server.port())
                       ->Post(
                           std::string(zendesk::kWebhookPath), headers,
                           [body](size_t offset, httplib::DataSink& sink) {
                             const size_t n = std::min<size_t>(64 * 1024, body->size() - offset);
                             if (n > 0) sink.write(body->data() + offset, n);
                             if (offset + n == body->size()) sink.done();
                             return true;
                           },
                           "application/json");
    REQUIRE(chunked);
    CHECK(chunked->status == 413);
    CHECK(response_json(chunked) == json{{"error", "payload too large"}});
  }
  CHECK(server.metrics().delivery("too_large").Value() == 4);
  CHECK(occurrences(log.text(), "outcome=too_large status=413") == 4);
  CHECK(server.inbox().empty());
}

TEST_CASE("every refusal is answered over HTTP with its status", "[ingest]") {
  IngestServer server;
  auto c = client(server.port());
  std::string body = testing::read_fixture("zendesk/ticket_created.json");

  SECTION("413 for a body one byte over the limit, answered by the handler") {
    std::string big(kMaxBody + 1, ' ');
    auto r = post_signed(*c, big);
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(response_json(r) == json{{"error", "payload too large"}});
  }
  SECTION("413 for a much larger body, refused before it is buffered") {
    auto r = post_signed(*c, std::string(4 * kMaxBody, ' '));
    REQUIRE(r);
    CHECK(r->status == 413);
  }
  SECTION("415 for a form-encoded body") {
    auto r = post_signed(*c, body, kVectorTimestamp, "application/x-www-form-urlencoded");
    REQUIRE(r);
    CHECK(r->status == 415);
  }
  SECTION("401 for a bad signature, a stale and a future timestamp") {
    auto bad = c->Post(std::string(zendesk::kWebhookPath), signed_headers("AAAA"), body,
                       "application/json");
    REQUIRE(bad);
    CHECK(bad->status == 401);
    CHECK(response_json(bad) == json{{"error", "invalid signature"}});
    auto stale = post_signed(*c, body, "2025-03-10T09:12:41Z");
    REQUIRE(stale);
    CHECK(stale->status == 401);
    auto future = post_signed(*c, body, "2025-03-10T09:32:41Z");
    REQUIRE(future);
    CHECK(future->status == 401);
    CHECK(server.metrics().delivery("stale").Value() == 2);
  }
  SECTION("400 for a signed body that is not JSON") {
    auto r = post_signed(*c, "{\"type\": ");
    REQUIRE(r);
    CHECK(r->status == 400);
  }
  SECTION("200 ignored for a user event") {
    auto r = post_signed(*c, R"({"type":"zen:event-type:user.created","id":"u-1"})");
    CHECK(response_json(r) == json{{"status", "ignored"}});
  }
  SECTION("503 with Retry-After when the inbox cannot take the delivery") {
    server.writer().stop();
    auto r = post_signed(*c, body);
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(r->get_header_value("Retry-After") == "5");
    CHECK(response_json(r) == json{{"error", "store unavailable, retry"}});
  }
  CHECK(server.inbox().empty());
}

TEST_CASE("a redelivery is stored once", "[ingest]") {
  IngestServer server;
  auto c = client(server.port());
  std::string body = testing::read_fixture("zendesk/ticket_group_assignment_changed.json");
  CHECK(response_json(post_signed(*c, body)) == json{{"status", "accepted"}});
  CHECK(response_json(post_signed(*c, body)) == json{{"status", "duplicate"}});
  // A retry signed at a later moment is still the same event.
  CHECK(response_json(post_signed(*c, body, "2025-03-10T09:23:41Z")) ==
        json{{"status", "duplicate"}});
  CHECK(server.inbox().size() == 1);
  CHECK(server.committed() == 1);
}

TEST_CASE("a burst of 200 concurrent deliveries is stored exactly once", "[ingest]") {
  IngestServer server;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::vector<std::string> bodies;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    bodies.push_back(status_changed_body("burst-" + std::to_string(i), 50000 + i));
  }

  auto run_burst = [&](std::vector<std::string>& statuses) {
    statuses.assign(bodies.size(), "");
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto c = client(server.port());
        for (int i = t * kPerThread; i < (t + 1) * kPerThread; ++i) {
          auto r = post_signed(*c, bodies[i]);
          if (r && r->status == 200) {
            statuses[i] = json::parse(r->body).value("status", "");
          } else {
            statuses[i] = r ? "http " + std::to_string(r->status) : "no response";
          }
        }
      });
    }
    for (auto& th : threads) th.join();
  };

  std::vector<std::string> first;
  run_burst(first);
  for (size_t i = 0; i < first.size(); ++i) {
    INFO("delivery " << i);
    CHECK(first[i] == "accepted");
  }
  auto inbox = server.inbox();
  CHECK(inbox.size() == bodies.size());
  std::set<std::string> ids;
  for (const auto& r : inbox) ids.insert(r.event_id);
  CHECK(ids.size() == bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) CHECK(ids.count("burst-" + std::to_string(i)) == 1);

  // The vendor redelivers the whole burst: nothing new is stored.
  std::vector<std::string> second;
  run_burst(second);
  for (const auto& s : second) CHECK(s == "duplicate");
  CHECK(server.inbox().size() == bodies.size());
  CHECK(server.committed() == bodies.size());
  CHECK(server.metrics().delivery("accepted").Value() == 200);
  CHECK(server.metrics().delivery("duplicate").Value() == 200);
}

namespace {

httplib::Result post_freshdesk(httplib::Client& c, const std::string& body,
                               const httplib::Headers& auth = {{"X-Tierd-Webhook-Secret",
                                                                kFreshdeskSecret}},
                               const std::string& content_type = "application/json") {
  return c.Post(std::string(freshdesk::kWebhookPath), auth, body, content_type.c_str());
}

}  // namespace

TEST_CASE("Freshdesk rule bodies are stored once each over HTTP", "[ingest][freshdesk]") {
  IngestServer server(HelpdeskVendor::kFreshdesk);
  auto c = client(server.port());
  const char* files[] = {"freshdesk/rule_ticket_created.json", "freshdesk/rule_status_changed.json",
                         "freshdesk/rule_group_changed_codes.json",
                         "freshdesk/rule_custom_status.json",
                         "freshdesk/rule_without_updated_at.json"};
  for (const char* file : files) {
    INFO(file);
    auto r = post_freshdesk(*c, testing::read_fixture(file));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(response_json(r) == json{{"status", "accepted"}});
  }
  // Stored when the 200 was sent, in arrival order, each under its own key.
  auto inbox = server.inbox();
  REQUIRE(inbox.size() == 5);
  CHECK(inbox[0].type == "freshdesk_rule:ticket_action");
  CHECK(inbox[0].raw_body == testing::read_fixture("freshdesk/rule_ticket_created.json"));
  CHECK(inbox[1].event_id.rfind("freshdesk:82000163682:2026-11-27T09:40:11Z:", 0) == 0);
  CHECK(inbox[4].event_id.rfind("freshdesk:82000163682:body:", 0) == 0);
  std::set<std::string> ids;
  for (const auto& record : inbox) ids.insert(record.event_id);
  CHECK(ids.size() == 5);

  // Freshdesk retries a failed delivery with the same body: acknowledged, not stored again.
  for (const char* file : files) {
    CHECK(response_json(post_freshdesk(*c, testing::read_fixture(file))) ==
          json{{"status", "duplicate"}});
  }
  CHECK(server.inbox().size() == 5);
  CHECK(server.committed() == 5);
  CHECK(server.metrics().delivery("accepted").Value() == 5);
  CHECK(server.metrics().delivery("duplicate").Value() == 5);
}

TEST_CASE("a Freshdesk delivery authenticates with Basic credentials too", "[ingest][freshdesk]") {
  IngestServer server(HelpdeskVendor::kFreshdesk);
  auto c = client(server.port());
  const std::string body = testing::read_fixture("freshdesk/rule_status_changed.json");
  auto as_password = post_freshdesk(
      *c, body, {{"Authorization", "Basic " + base64_encode("freshdesk:" + kFreshdeskSecret)}});
  CHECK(response_json(as_password) == json{{"status", "accepted"}});
  // The action's "API key" form sends the key as the username.
  auto as_key = post_freshdesk(
      *c, body, {{"Authorization", "Basic " + base64_encode(kFreshdeskSecret + ":X")}});
  CHECK(response_json(as_key) == json{{"status", "duplicate"}});
  // While a secret is rotated the previous one is still accepted.
  auto previous = post_freshdesk(*c, body, {{"X-Tierd-Webhook-Secret", "rotated-away-secret"}});
  CHECK(response_json(previous) == json{{"status", "duplicate"}});
}

TEST_CASE("every Freshdesk refusal is answered over HTTP with its status, logged and counted",
          "[ingest][freshdesk]") {
  IngestServer server(HelpdeskVendor::kFreshdesk);
  LogCapture log;
  auto c = client(server.port());
  const std::string body = testing::read_fixture("freshdesk/rule_status_changed.json");

  SECTION("413 for a body over the limit, with Content-Length or chunked") {
    const std::string big(kMaxBody + 1, ' ');
    auto sized = post_freshdesk(*c, big);
    REQUIRE(sized);
    CHECK(sized->status == 413);
    // A fresh connection: the server closes the one it refused a body on.
    auto chunked = client(server.port())
                       ->Post(
                           std::string(freshdesk::kWebhookPath),
                           {{"X-Tierd-Webhook-Secret", kFreshdeskSecret}},
                           [&big](size_t offset, httplib::DataSink& sink) {
                             const size_t n = std::min<size_t>(64 * 1024, big.size() - offset);
                             if (n > 0) sink.write(big.data() + offset, n);
                             if (offset + n == big.size()) sink.done();
                             return true;
                           },
                           "application/json");
    REQUIRE(chunked);
    CHECK(chunked->status == 413);
    CHECK(response_json(chunked) == json{{"error", "payload too large"}});
    CHECK(server.metrics().delivery("too_large").Value() == 2);
  }
  SECTION("415 for a form-encoded body") {
    auto r = post_freshdesk(*c, body, {{"X-Tierd-Webhook-Secret", kFreshdeskSecret}},
                            "application/x-www-form-urlencoded");
    REQUIRE(r);
    CHECK(r->status == 415);
  }
  SECTION("401 for a missing, a wrong and an unreadable secret, before the body is read") {
    for (const httplib::Headers& auth :
         {httplib::Headers{}, httplib::Headers{{"X-Tierd-Webhook-Secret", "guess"}},
          httplib::Headers{{"Authorization", "Basic " + base64_encode("freshdesk:guess")}},
          httplib::Headers{{"Authorization", "Bearer " + kFreshdeskSecret}}}) {
      auto r = post_freshdesk(*c, "not even JSON", auth);
      REQUIRE(r);
      CHECK(r->status == 401);
      CHECK(response_json(r) == json{{"error", "invalid credentials"}});
    }
    CHECK(server.metrics().delivery("bad_signature").Value() == 4);
    const std::string text = log.text();
    CHECK(occurrences(text, "outcome=bad_signature status=401") == 4);
    CHECK(occurrences(text, "detail=\"missing\"") == 1);
    CHECK(occurrences(text, "detail=\"mismatch\"") == 2);
    CHECK(occurrences(text, "detail=\"malformed\"") == 1);
    // The log never shows what was presented.
    CHECK(text.find("guess") == std::string::npos);
    CHECK(text.find(kFreshdeskSecret) == std::string::npos);
  }
  SECTION("400 naming the member for the template pasted unrendered") {
    auto r = post_freshdesk(*c, testing::read_fixture("freshdesk/rule_body_template.json"));
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(response_json(r) ==
          json{{"error", "malformed payload: ticket.id: expected a positive ticket id"}});
    CHECK(occurrences(log.text(), "outcome=malformed status=400") == 1);
  }
  SECTION("200 ignored, with a log line, for a body that is not tierd's") {
    auto r = post_freshdesk(*c, testing::read_fixture("freshdesk/other_rule_body.json"));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(response_json(r) == json{{"status", "ignored"}});
    CHECK(occurrences(log.text(), "outcome=ignored status=200") == 1);
    CHECK(server.metrics().delivery("ignored").Value() == 1);
  }
  SECTION("503 with Retry-After when the inbox cannot take the delivery") {
    server.writer().stop();
    auto r = post_freshdesk(*c, body);
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(r->get_header_value("Retry-After") == "5");
  }
  CHECK(server.inbox().empty());
}

TEST_CASE("only the configured helpdesk's route is served", "[ingest][freshdesk]") {
  const std::string freshdesk_body = testing::read_fixture("freshdesk/rule_status_changed.json");
  const std::string zendesk_body = testing::read_fixture("zendesk/ticket_created.json");
  {
    IngestServer server(HelpdeskVendor::kFreshdesk);
    auto c = client(server.port());
    auto other = post_signed(*c, zendesk_body);
    REQUIRE(other);
    CHECK(other->status == 404);
    CHECK(response_json(post_freshdesk(*c, freshdesk_body)) == json{{"status", "accepted"}});
  }
  {
    IngestServer server;
    auto c = client(server.port());
    auto other = post_freshdesk(*c, freshdesk_body);
    REQUIRE(other);
    CHECK(other->status == 404);
    CHECK(response_json(post_signed(*c, zendesk_body)) == json{{"status", "accepted"}});
    CHECK(server.inbox().size() == 1);
  }
}
