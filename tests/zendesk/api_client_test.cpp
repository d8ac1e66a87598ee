// ZendeskApiClient against a real zendesk-sim on loopback: the HelpdeskApi
// contract's Status mapping, writes, comment marker search, bulk jobs and
// the incremental export; plus parse_zendesk_ticket on its own.
#include <catch2/catch.hpp>

#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "sim/common/sim_client.h"
#include "support/process_harness.h"
#include "zendesk/api_client.h"

using nlohmann::json;
using tierd::sim::SimClient;
using namespace tierd;
using namespace tierd::testing;
using namespace std::chrono_literals;

namespace {

class Sim {
 public:
  explicit Sim(const std::vector<std::string>& extra_args = {}) {
    std::vector<std::string> args = {
        ZENDESK_SIM_BINARY,           "--port", "0", "--job-delay-ms", "20",
        "--export-exclusion-seconds", "0"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    process_ = std::make_unique<Subprocess>(args, std::map<std::string, std::string>{},
                                            dir_.file("sim.log"));
    auto port = wait_for_listening_port(*process_, 10s);
    REQUIRE(port);
    port_ = *port;
    control_ = std::make_unique<SimClient>(port_);
    REQUIRE(
        control_->post("/sim/groups", {{"groups", {{{"id", 114001}}, {{"id", 114002}}}}}).status ==
        201);
    REQUIRE(control_
                ->post("/sim/users", {{"users",
                                       {{{"id", 500120}, {"name", "Dana"}},
                                        {{"id", 500122}, {"name", "Fatima"}}}}})
                .status == 201);
    REQUIRE(control_
                ->post("/sim/memberships", {{"memberships",
                                             {{{"user_id", 500120}, {"group_id", 114001}},
                                              {{"user_id", 500122}, {"group_id", 114002}}}}})
                .status == 201);
  }

  ZendeskApiOptions options(Duration timeout = 2s) const {
    ZendeskApiOptions o;
    o.base_url = "http://127.0.0.1:" + std::to_string(port_);
    o.email = "admin@example.com";
    o.api_token = "sim-token";
    o.timeout = timeout;
    return o;
  }
  SimClient& control() { return *control_; }

  int64_t ticket(json extra = json::object()) {
    json fields = {{"subject", "VAT"},
                   {"comment", {{"body", "Help"}}},
                   {"group_id", 114001},
                   {"assignee_id", 500120},
                   {"tags", {"tier1"}}};
    fields.update(extra);
    auto r = control_->post("/sim/tickets", {{"ticket", fields}});
    REQUIRE(r.status == 201);
    return r.body["ticket"]["id"].get<int64_t>();
  }

  void fault(const json& f) { REQUIRE(control_->post("/sim/faults", f).status == 201); }

 private:
  TempDir dir_;
  std::unique_ptr<Subprocess> process_;
  std::unique_ptr<SimClient> control_;
  int port_ = 0;
};

TicketUpdate escalation(TicketId id, std::optional<Instant> stamp) {
  TicketUpdate u;
  u.ticket_id = id;
  u.group_id = 114002;
  u.set_assignee = true;
  u.assignee_id = std::nullopt;
  u.tags = std::vector<std::string>{"tierd_tier2"};
  u.add_followers = {500120};
  u.internal_note = "Escalated after 15m [tierd ref 42]";
  u.updated_stamp = stamp;
  return u;
}

// Counts the requests it is asked about and keeps what the answers said;
// refuses every request once `refuse` is set.
class RecordingPacer final : public RequestPacer {
 public:
  Status before_request() override {
    std::lock_guard lock(mutex);
    ++asked;
    if (!refuse) return Status::Ok();
    Status s(StatusCode::kResourceExhausted, "budget spent");
    s.set_retry_after(std::chrono::seconds(7));
    return s;
  }
  Duration wait_time() override { return Duration(0); }
  void after_answer(const RateLimitReport& report) override {
    std::lock_guard lock(mutex);
    reports.push_back(report);
  }

  std::mutex mutex;
  int asked = 0;
  bool refuse = false;
  std::vector<RateLimitReport> reports;
};

size_t api_requests_logged(Sim& sim) {
  auto log = sim.control().get("/sim/requests");
  size_t n = 0;
  for (const auto& r : log.body.at("requests")) {
    if (r.value("path", "").rfind("/api/v2/", 0) == 0) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("rate-limit headers are read in each form Zendesk sends", "[api_client]") {
  using Headers = std::vector<std::pair<std::string, std::string>>;
  SECTION("X-Rate-Limit on every answer") {
    auto r = zendesk::parse_rate_limit_headers(
        Headers{{"X-Rate-Limit", "200"}, {"X-Rate-Limit-Remaining", "187"}}, 200);
    CHECK(r.limit == 200);
    CHECK(r.remaining == 187);
    CHECK_FALSE(r.refused);
    CHECK_FALSE(r.endpoint_exhausted_for.has_value());
  }
  SECTION("the ratelimit-* fields, in any case") {
    auto r = zendesk::parse_rate_limit_headers(
        Headers{
            {"RateLimit-Limit", "400"}, {"ratelimit-remaining", "0"}, {"ratelimit-reset", "12"}},
        200);
    CHECK(r.limit == 400);
    CHECK(r.remaining == 0);
    CHECK(r.reset == std::chrono::seconds(12));
  }
  SECTION("an endpoint's own limit counts only when it is used up") {
    auto open = zendesk::parse_rate_limit_headers(
        Headers{{"Zendesk-RateLimit-Update-Tickets", "total=100; remaining=99; resets=41"}}, 200);
    CHECK_FALSE(open.endpoint_exhausted_for.has_value());
    auto spent = zendesk::parse_rate_limit_headers(
        Headers{{"zendesk-ratelimit-update-tickets", "total=100;remaining=0;resets=41"}}, 200);
    CHECK(spent.endpoint_exhausted_for == std::chrono::seconds(41));
  }
  SECTION("a 429 with Retry-After") {
    auto r = zendesk::parse_rate_limit_headers(Headers{{"Retry-After", "9"}}, 429);
    CHECK(r.refused);
    CHECK(r.retry_after == std::chrono::seconds(9));
  }
  SECTION("values that do not parse are left out") {
    auto r = zendesk::parse_rate_limit_headers(
        Headers{{"X-Rate-Limit", "lots"}, {"X-Rate-Limit-Remaining", "-3"}, {"Retry-After", ""}},
        200);
    CHECK_FALSE(r.limit.has_value());
    CHECK_FALSE(r.remaining.has_value());
    CHECK_FALSE(r.retry_after.has_value());
  }
}

TEST_CASE("every request, pages of a list included, is paced and tells the pacer the limit",
          "[api_client]") {
  Sim sim({"--rate-limit", "200"});  // Zendesk's Team plan
  RecordingPacer pacer;
  ZendeskApiOptions options = sim.options();
  options.pacer = &pacer;
  ZendeskApiClient api(options);
  const int64_t id = sim.ticket();
  REQUIRE(sim.control().del("/sim/requests").status == 200);

  REQUIRE(api.get_ticket(id).ok());
  REQUIRE(api.group_memberships(114002).ok());
  REQUIRE(api.has_comment_containing(id, "[tierd ref 1]").ok());
  REQUIRE(api.current_user().ok());
  CHECK(static_cast<size_t>(pacer.asked) == api_requests_logged(sim));
  CHECK(pacer.asked >= 4);
  REQUIRE(pacer.reports.size() == static_cast<size_t>(pacer.asked));
  CHECK(pacer.reports.back().limit == 200);
  REQUIRE(pacer.reports.back().remaining.has_value());
  CHECK(*pacer.reports.back().remaining < 200);

  SECTION("a request the pacer refuses is not sent and reads as a 429") {
    pacer.refuse = true;
    const size_t before = api_requests_logged(sim);
    Status s = api.get_ticket(id).status();
    CHECK(s.code() == StatusCode::kResourceExhausted);
    CHECK(s.retry_after() == std::chrono::seconds(7));
    CHECK(api_requests_logged(sim) == before);
  }
  SECTION("the simulator's 429 reaches the pacer") {
    sim.fault({{"status", 429}, {"retry_after", 3}});
    CHECK(api.get_ticket(id).status().code() == StatusCode::kResourceExhausted);
    CHECK(pacer.reports.back().refused);
    CHECK(pacer.reports.back().retry_after == std::chrono::seconds(3));
  }
}

TEST_CASE("parse_zendesk_ticket reads REST tickets with numeric or string ids and any case",
          "[api_client]") {
  json rest = {{"id", 48213},
               {"status", "open"},
               {"priority", "high"},
               {"group_id", 114001},
               {"assignee_id", nullptr},
               {"tags", {"Tier1", "billing"}},
               {"updated_at", "2025-03-10T09:22:41Z"},
               {"created_at", "2025-03-10T09:00:04Z"},
               {"requester_id", 902001},
               {"organization_id", nullptr},
               {"ticket_form_id", 360002},
               {"brand_id", 360001},
               {"via", {{"channel", "email"}}},
               {"subject", "VAT"},
               {"description", std::string(5000, 'x')},
               {"custom_fields",
                {{{"id", 7}, {"value", "gold"}},
                 {{"id", 8}, {"value", nullptr}},
                 {{"id", 9}, {"value", true}}}}};
  auto s = zendesk::parse_zendesk_ticket(rest);
  REQUIRE(s.ok());
  CHECK(s->id == 48213);
  CHECK(s->status == TicketStatus::kOpen);
  CHECK(s->priority == Priority::kHigh);
  CHECK(s->group_id == 114001);
  CHECK_FALSE(s->assignee_id.has_value());
  CHECK(s->tags == std::vector<std::string>{"billing", "tier1"});
  CHECK(s->tags_known);
  CHECK(s->updated_at == *parse_instant("2025-03-10T09:22:41Z"));
  CHECK(s->form_id == 360002);
  CHECK(s->channel == "email");
  CHECK(s->description.size() == 4096);
  REQUIRE(s->custom_fields.size() == 2);
  CHECK(s->custom_fields[0].value == "gold");
  CHECK(s->custom_fields[1].value == "true");

  json strings = {{"id", "48213"},
                  {"status", "SOLVED"},
                  {"priority", "URGENT"},
                  {"group_id", "114002"},
                  {"assignee_id", ""}};
  auto t = zendesk::parse_zendesk_ticket(strings);
  REQUIRE(t.ok());
  CHECK(t->id == 48213);
  CHECK(t->status == TicketStatus::kSolved);
  CHECK(t->priority == Priority::kUrgent);
  CHECK(t->group_id == 114002);
  CHECK_FALSE(t->assignee_id.has_value());
  CHECK_FALSE(t->tags_known);

  CHECK(zendesk::parse_zendesk_ticket(json{{"status", "open"}}).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(zendesk::parse_zendesk_ticket(json::array()).status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("zero as text or number is no id wherever an id can be empty", "[api_client]") {
  json rest = {{"id", "48213"},   {"status", "open"},          {"assignee_id", "0"},
               {"group_id", 0},   {"organization_id", "0"},    {"requester_id", 902001},
               {"brand_id", "0"}, {"ticket_form_id", nullptr}, {"tags", json::array()}};
  auto s = zendesk::parse_zendesk_ticket(rest);
  REQUIRE(s.ok());
  CHECK_FALSE(s->assignee_id.has_value());
  CHECK_FALSE(s->group_id.has_value());
  CHECK_FALSE(s->organization_id.has_value());
  CHECK_FALSE(s->brand_id.has_value());
  CHECK_FALSE(s->form_id.has_value());
  CHECK(s->requester_id == 902001);
  CHECK_FALSE(zendesk::parse_zendesk_ticket(json{{"id", "0"}}).ok());
  CHECK_FALSE(zendesk::parse_zendesk_ticket(json{{"id", "99999999999999999999"}}).ok());
}

TEST_CASE("job results are read in the documented shapes and only a stated success counts",
          "[api_client]") {
  // Documented: a success carries success and status; a failure index, id,
  // error and details, without success. Unknown fields are ignored.
  json job = json::parse(R"({
    "id": "dd9321f29967688b27bc9499ebb4ae8d", "status": "Completed", "total": 6,
    "progress": 6, "message": "Completed at 2018-03-08 06:07:49 +0000", "extra": {"a": 1},
    "results": [
      {"id": 244, "index": 0, "action": "update", "success": true, "status": "Updated"},
      {"index": 1, "error": "TicketUpdateFailed", "id": "245", "details": "Ticket was changed"},
      {"id": 246, "index": 2, "status": "Updated"},
      {"id": 247, "index": 3},
      {"id": 248, "index": 4, "success": false},
      {"id": 249, "index": 5, "success": true, "error": "Weird"}
    ]})");
  auto parsed = zendesk::parse_job_status(job);
  REQUIRE(parsed.ok());
  CHECK(parsed->id == "dd9321f29967688b27bc9499ebb4ae8d");
  CHECK(parsed->finished());  // "Completed" in any case
  REQUIRE(parsed->results.size() == 6);
  const auto& r = parsed->results;
  CHECK(r[0].success);
  CHECK(r[0].ticket_id == 244);
  CHECK(r[0].index == size_t{0});
  CHECK_FALSE(r[1].success);
  CHECK(r[1].ticket_id == 245);
  CHECK(r[1].index == size_t{1});
  CHECK(r[1].error == "TicketUpdateFailed: Ticket was changed");
  CHECK(r[2].success);
  CHECK_FALSE(r[3].success);  // says nothing: not taken for a success
  CHECK_FALSE(r[4].success);
  CHECK_FALSE(r[5].success);  // an error wins over a success flag
  CHECK_FALSE(zendesk::parse_job_status(json::array()).ok());
  auto queued =
      zendesk::parse_job_status(json{{"id", "x"}, {"status", "queued"}, {"results", nullptr}});
  REQUIRE(queued.ok());
  CHECK_FALSE(queued->finished());
  CHECK(queued->results.empty());
}

TEST_CASE("HTTP answers map to the HelpdeskApi status codes", "[api_client]") {
  CHECK(zendesk::status_from_http(200, "", "x").ok());
  CHECK(zendesk::status_from_http(401, "", "x").code() == StatusCode::kUnauthenticated);
  CHECK(zendesk::status_from_http(403, "", "x").code() == StatusCode::kPermissionDenied);
  CHECK(zendesk::status_from_http(404, "", "x").code() == StatusCode::kNotFound);
  CHECK(zendesk::status_from_http(409, "", "x").code() == StatusCode::kConflict);
  CHECK(zendesk::status_from_http(422, "", "x").code() == StatusCode::kInvalidArgument);
  Status limited = zendesk::status_from_http(429, "12", "x");
  CHECK(limited.code() == StatusCode::kResourceExhausted);
  CHECK(limited.retry_after() == std::chrono::milliseconds(12000));
  CHECK(zendesk::status_from_http(503, "", "x").code() == StatusCode::kUnavailable);
  CHECK_FALSE(zendesk::status_from_http(503, "", "x").retry_after().has_value());
}

TEST_CASE("the client reads, updates with safe_update and maps conflicts", "[api_client]") {
  Sim sim;
  ZendeskApiClient api(sim.options());
  const int64_t id = sim.ticket();

  auto before = api.get_ticket(id);
  REQUIRE(before.ok());
  CHECK(before->group_id == 114001);
  CHECK(before->assignee_id == 500120);
  REQUIRE(before->updated_at.has_value());

  auto stale = api.update_ticket(escalation(id, *before->updated_at - std::chrono::seconds(30)));
  CHECK(stale.status().code() == StatusCode::kConflict);

  auto after = api.update_ticket(escalation(id, before->updated_at));
  REQUIRE(after.ok());
  CHECK(after->group_id == 114002);
  CHECK_FALSE(after->assignee_id.has_value());
  CHECK(after->tags == std::vector<std::string>{"tierd_tier2"});

  json stored = sim.control().get("/sim/tickets/" + std::to_string(id)).body["ticket"];
  CHECK(stored["follower_ids"] == json({500120}));
  CHECK(stored["comments"].back()["public"] == false);

  CHECK(api.has_comment_containing(id, "[tierd ref 42]").value());
  CHECK_FALSE(api.has_comment_containing(id, "[tierd ref 43]").value());
  CHECK(api.get_ticket(987654).status().code() == StatusCode::kNotFound);
  TicketUpdate bad;
  bad.ticket_id = id;
  bad.group_id = 999;
  CHECK(api.update_ticket(bad).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("rate limits, outages, timeouts, drops and bad credentials map to their codes",
          "[api_client]") {
  Sim sim;
  const int64_t id = sim.ticket();

  SECTION("429 carries retry_after") {
    ZendeskApiClient api(sim.options());
    sim.fault({{"status", 429}, {"retry_after", 3}});
    Status s = api.get_ticket(id).status();
    CHECK(s.code() == StatusCode::kResourceExhausted);
    CHECK(s.retry_after() == std::chrono::milliseconds(3000));
  }
  SECTION("503 is unavailable") {
    ZendeskApiClient api(sim.options());
    sim.fault({{"status", 503}});
    CHECK(api.get_ticket(id).status().code() == StatusCode::kUnavailable);
    CHECK(api.get_ticket(id).ok());
  }
  SECTION("no answer within the timeout is deadline exceeded") {
    ZendeskApiClient api(sim.options(300ms));
    sim.fault({{"method", "PUT"}, {"delay_ms", 1000}});
    TicketUpdate u;
    u.ticket_id = id;
    u.internal_note = "slow";
    CHECK(api.update_ticket(u).status().code() == StatusCode::kDeadlineExceeded);
  }
  SECTION("a dropped connection is unavailable") {
    ZendeskApiClient api(sim.options());
    sim.fault({{"drop_connection", true}});
    CHECK(api.get_ticket(id).status().code() == StatusCode::kUnavailable);
  }
  SECTION("a refused connection is unavailable") {
    ZendeskApiOptions o = sim.options();
    o.base_url = "http://127.0.0.1:" + std::to_string(free_loopback_port());
    ZendeskApiClient api(o);
    CHECK(api.get_ticket(id).status().code() == StatusCode::kUnavailable);
  }
  SECTION("wrong or expired credentials are unauthenticated") {
    ZendeskApiOptions o = sim.options();
    o.api_token = "wrong";
    ZendeskApiClient wrong(o);
    CHECK(wrong.current_user().status().code() == StatusCode::kUnauthenticated);
    ZendeskApiClient api(sim.options());
    REQUIRE(sim.control().post("/sim/token", {{"valid", false}}).status == 200);
    CHECK(api.current_user().status().code() == StatusCode::kUnauthenticated);
  }
}

TEST_CASE("update_many submits a batch job whose per-ticket results are read back",
          "[api_client]") {
  Sim sim;
  ZendeskApiClient api(sim.options());
  const int64_t a = sim.ticket();
  const int64_t b = sim.ticket();
  auto stamp_a = api.get_ticket(a)->updated_at;
  auto job =
      api.update_many({escalation(a, stamp_a), escalation(b, *stamp_a - std::chrono::hours(1))});
  REQUIRE(job.ok());
  JobStatus status;
  for (int i = 0; i < 100; ++i) {
    auto s = api.job_status(*job);
    REQUIRE(s.ok());
    status = *s;
    if (status.finished()) break;
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(status.finished());
  REQUIRE(status.results.size() == 2);
  CHECK(status.results[0].ticket_id == a);
  CHECK(status.results[0].success);
  CHECK(status.results[1].ticket_id == b);
  CHECK(status.results[1].index == size_t{1});
  CHECK_FALSE(status.results[1].success);
  CHECK(status.results[1].error.find("TicketUpdateFailed") != std::string::npos);
  auto both = api.job_statuses({*job, "not-a-job"});
  REQUIRE(both.ok());
  REQUIRE(both->size() == 1);
  CHECK((*both)[0].id == *job);
  CHECK((*both)[0].finished());
  CHECK((*both)[0].results.size() == 2);
  CHECK(api.get_ticket(a)->group_id == 114002);
  CHECK(api.get_ticket(b)->group_id == 114001);
  CHECK(api.update_many({}).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("the export reads every ticket and continues from its cursor", "[api_client]") {
  Sim sim;
  ZendeskApiClient api(sim.options());
  const int64_t a = sim.ticket();
  sim.ticket();
  auto first = api.export_tickets("", from_unix_ms(0));
  REQUIRE(first.ok());
  CHECK(first->tickets.size() == 2);
  CHECK(first->end_of_stream);
  REQUIRE_FALSE(first->after_cursor.empty());

  auto none = api.export_tickets(first->after_cursor, from_unix_ms(0));
  REQUIRE(none.ok());
  CHECK(none->tickets.empty());

  TicketUpdate u;
  u.ticket_id = a;
  u.tags = std::vector<std::string>{"changed"};
  REQUIRE(api.update_ticket(u).ok());
  auto next = api.export_tickets(none->after_cursor, from_unix_ms(0));
  REQUIRE(next.ok());
  REQUIRE(next->tickets.size() == 1);
  CHECK(next->tickets[0].id == a);
  CHECK(next->tickets[0].tags == std::vector<std::string>{"changed"});
}

TEST_CASE("group memberships and the current user are read", "[api_client]") {
  Sim sim;
  ZendeskApiClient api(sim.options());
  auto members = api.group_memberships(114002);
  REQUIRE(members.ok());
  REQUIRE(members->size() == 1);
  CHECK((*members)[0].user_id == 500122);
  CHECK((*members)[0].group_id == 114002);
  auto me = api.current_user();
  REQUIRE(me.ok());
  CHECK(me->role == "admin");
  CHECK(me->active);
}

TEST_CASE("users are read by id, 100 ids a request, unknown ids left out", "[api_client]") {
  Sim sim;
  json users = json::array();
  for (int64_t id = 600001; id <= 600150; ++id) {
    users.push_back({{"id", id}, {"name", "Agent " + std::to_string(id)}, {"role", "agent"}});
  }
  REQUIRE(sim.control().post("/sim/users", {{"users", users}}).status == 201);
  std::vector<UserId> ids;
  for (int64_t id = 600001; id <= 600150; ++id) ids.push_back(id);
  ids.push_back(699999);  // nobody
  ZendeskApiClient api(sim.options());
  auto read = api.users_by_ids(ids);
  REQUIRE(read.ok());
  REQUIRE(read->size() == 150);
  CHECK(read->front().id == 600001);
  CHECK(read->front().name == "Agent 600001");
  CHECK(read->front().role == "agent");
  CHECK(read->back().id == 600150);
}

TEST_CASE("tickets are read by id, up to 100 a request, unknown ids left out", "[api_client]") {
  Sim sim;
  ZendeskApiClient api(sim.options());
  const int64_t a = sim.ticket();
  const int64_t b = sim.ticket({{"group_id", 114002}, {"assignee_id", 500122}});
  CHECK(api.tickets_per_request() == 100);

  auto read = api.tickets_by_ids({b, 987654, a});
  REQUIRE(read.ok());
  REQUIRE(read->size() == 2);
  CHECK((*read)[0].id == a);
  CHECK((*read)[1].id == b);
  CHECK((*read)[1].group_id == 114002);
  CHECK((*read)[0].updated_at == api.get_ticket(a)->updated_at);

  std::vector<TicketId> too_many(101);
  for (size_t i = 0; i < too_many.size(); ++i) too_many[i] = static_cast<TicketId>(i + 1);
  CHECK(api.tickets_by_ids(too_many).status().code() == StatusCode::kInvalidArgument);
  auto none = api.tickets_by_ids({});
  REQUIRE(none.ok());
  CHECK(none->empty());
}
