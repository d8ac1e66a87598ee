// build_report() over hand-made audit streams shaped like the engine's.
#include <catch2/catch.hpp>

#include <sstream>

#include <nlohmann/json.hpp>

#include "reports/report.h"
#include "support/instants.h"

using namespace tierd;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using testing::at;

Policy three_tiers() {
  Policy p;
  for (int i = 1; i <= 3; ++i) {
    TierPolicy t;
    t.name = "tier" + std::to_string(i);
    t.groups = {114000 + i};
    if (i < 3) t.budget = i == 1 ? Duration(15min) : Duration(30min);
    p.tiers.push_back(t);
  }
  return p;
}

// An audit stream written the way the engine writes it.
struct Stream {
  std::vector<AuditRecord> records;

  void add(TicketId ticket, const char* when, const std::string& kind, json detail) {
    records.push_back(
        {static_cast<int64_t>(records.size() + 1), ticket, at(when), kind, "", detail.dump()});
  }
  void created(TicketId ticket, const char* when, std::optional<UserId> assignee = std::nullopt) {
    json e{{"type", "zen:event-type:ticket.created"},
           {"kind", "created"},
           {"status", "new"},
           {"group", 114001}};
    if (assignee) e["assignee"] = *assignee;
    add(ticket, when, "event", e);
    add(ticket, when, "tier_entered", {{"tier", "tier1"}, {"how", "created"}, {"at", when}});
  }
  void status(TicketId ticket, const char* when, const char* status, int64_t actor,
              std::optional<UserId> assignee = std::nullopt) {
    json e{{"type", "zen:event-type:ticket.status_changed"},
           {"kind", "status_changed"},
           {"status", status},
           {"actor", actor}};
    if (assignee) e["assignee"] = *assignee;
    add(ticket, when, "event", e);
  }
  void escalate(TicketId ticket, const char* when, const char* from, const char* to,
                int64_t stay_ms, std::optional<UserId> follower = std::nullopt) {
    json e{{"from", from}, {"to", to}, {"reason", "budget"}};
    if (follower) e["follower"] = *follower;
    add(ticket, when, "escalate", e);
    add(ticket, when, "write_confirmed", {{"keys", {"k"}}});
    add(ticket, when, "tier_left",
        {{"tier", from},
         {"to", to},
         {"stay_ms", stay_ms},
         {"used_ms", stay_ms},
         {"how", "escalation"}});
    add(ticket, when, "tier_entered", {{"tier", to}, {"how", "escalation"}, {"at", when}});
  }
};

const TierLine& tier(const TierReport& r, const std::string& name) {
  for (const auto& t : r.tiers) {
    if (t.name == name) return t;
  }
  FAIL("no tier " << name);
  throw std::logic_error("unreachable");
}

const AgentLine* agent(const TierReport& r, UserId id) {
  for (const auto& a : r.agents) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

// Three tickets: solved in tier 1; escalated once then solved; escalated twice.
Stream three_tickets() {
  Stream s;
  s.created(1, "2025-03-10T09:00:00Z", 500120);
  s.status(1, "2025-03-10T09:10:00Z", "solved", 500120, 500120);
  s.created(2, "2025-03-10T09:00:00Z", 500121);
  s.escalate(2, "2025-03-10T09:15:00Z", "tier1", "tier2", 15 * 60000, 500121);
  s.status(2, "2025-03-10T09:45:00Z", "solved", 500122, 500122);
  s.created(3, "2025-03-10T09:00:00Z");
  s.escalate(3, "2025-03-10T09:15:00Z", "tier1", "tier2", 15 * 60000);
  s.escalate(3, "2025-03-10T09:45:00Z", "tier2", "tier3", 30 * 60000);
  return s;
}

}  // namespace

TEST_CASE("the report counts tickets entered, solved in tier and escalated out of each tier",
          "[report]") {
  TierReport r = build_report(three_tickets().records, three_tiers(), at("2025-03-10T00:00:00Z"),
                              at("2025-03-11T00:00:00Z"));
  CHECK(r.tickets == 3);
  CHECK(r.solved == 2);
  REQUIRE(r.tiers.size() == 3);
  CHECK(r.tiers[0].name == "tier1");
  CHECK(tier(r, "tier1").entered == 3);
  CHECK(tier(r, "tier1").solved_in_tier == 1);
  CHECK(tier(r, "tier1").escalated_out == 2);
  CHECK(tier(r, "tier2").entered == 2);
  CHECK(tier(r, "tier2").solved_in_tier == 1);
  CHECK(tier(r, "tier2").escalated_out == 1);
  CHECK(tier(r, "tier3").entered == 1);
  CHECK(tier(r, "tier3").solved_in_tier == 0);
  CHECK(tier(r, "tier3").escalated_out == 0);
  CHECK(tier(r, "tier1").share == Approx(1.0));
  CHECK(tier(r, "tier3").share == Approx(1.0 / 3));
  CHECK(tier(r, "tier1").solved_share == Approx(1.0 / 3));
}

TEST_CASE("report time in tier and time to solve are nearest-rank percentiles of the stays",
          "[report]") {
  TierReport r = build_report(three_tickets().records, three_tiers(), at("2025-03-10T00:00:00Z"),
                              at("2025-03-11T00:00:00Z"));
  // tier1 stays: 10m (solved there), 15m, 15m (escalated out).
  CHECK(tier(r, "tier1").time_in_tier.count == 3);
  CHECK(tier(r, "tier1").time_in_tier.p50 == Duration(15min));
  CHECK(tier(r, "tier1").time_to_solve.count == 1);
  CHECK(tier(r, "tier1").time_to_solve.p50 == Duration(10min));
  // tier2: ticket 2 solved 30m after entering, 45m after creation; ticket 3 left after 30m.
  CHECK(tier(r, "tier2").time_in_tier.count == 2);
  CHECK(tier(r, "tier2").time_in_tier.p90 == Duration(30min));
  CHECK(tier(r, "tier2").time_to_solve.p50 == Duration(45min));
  CHECK(tier(r, "tier3").time_in_tier.count == 0);  // still there
  CHECK_FALSE(tier(r, "tier3").time_in_tier.p50);

  Percentiles p = percentiles_of({10min, 1min, 2min, 3min, 4min, 5min, 6min, 7min, 8min, 9min});
  CHECK(p.count == 10);
  CHECK(p.p50 == Duration(5min));
  CHECK(p.p90 == Duration(9min));
  Percentiles one = percentiles_of({7s});
  CHECK(one.p50 == Duration(7s));
  CHECK(one.p90 == Duration(7s));
  CHECK_FALSE(percentiles_of({}).p50);
}

TEST_CASE("the report credits the solver and the previous assignee kept as follower", "[report]") {
  TierReport r = build_report(three_tickets().records, three_tiers(), at("2025-03-10T00:00:00Z"),
                              at("2025-03-11T00:00:00Z"));
  REQUIRE(agent(r, 500120));
  CHECK(agent(r, 500120)->solved == 1);
  CHECK(agent(r, 500120)->followed_solves == 0);
  REQUIRE(agent(r, 500122));
  CHECK(agent(r, 500122)->solved == 1);
  REQUIRE(agent(r, 500121));
  CHECK(agent(r, 500121)->solved == 0);
  CHECK(agent(r, 500121)->followed_solves == 1);
}

// A solve as the helpdesk reports it: who acted, whom the ticket was
// assigned to then, and who requested it.
void solve(Stream& s, TicketId ticket, const char* when, int64_t actor,
           std::optional<UserId> assignee, UserId requester = 902001) {
  json e{{"type", "zen:event-type:ticket.status_changed"},
         {"kind", "status_changed"},
         {"status", "solved"},
         {"actor", actor},
         {"requester", requester}};
  if (assignee) e["assignee"] = *assignee;
  s.add(ticket, when, "event", e);
}

TEST_CASE("a solve is credited to the assignee - another agent who solved it gets an assist",
          "[report][credit]") {
  Policy policy = three_tiers();
  policy.api_user_id = 400001;
  Stream s;
  s.created(40, "2025-03-10T09:00:00Z", 500120);
  solve(s, 40, "2025-03-10T09:05:00Z", 902001, 500120);  // the requester marks it solved
  s.created(41, "2025-03-10T09:00:00Z", 500121);
  solve(s, 41, "2025-03-10T09:06:00Z", 500120, 500121);  // a colleague solves it
  s.created(42, "2025-03-10T09:00:00Z", 500121);
  solve(s, 42, "2025-03-10T09:07:00Z", -1, 500121);  // an automation
  s.created(43, "2025-03-10T09:00:00Z", 500121);
  solve(s, 43, "2025-03-10T09:08:00Z", 400001, 500121);  // tierd's own API user
  s.created(44, "2025-03-10T09:00:00Z", 500121);
  solve(s, 44, "2025-03-10T09:09:00Z", 777001, 500121);  // a user never seen as an agent
  s.created(45, "2025-03-10T09:00:00Z");
  solve(s, 45, "2025-03-10T09:10:00Z", 902001, std::nullopt);  // unassigned, by the requester
  s.created(46, "2025-03-10T09:00:00Z");
  solve(s, 46, "2025-03-10T09:11:00Z", 500120, std::nullopt);  // unassigned, by an agent

  TierReport r =
      build_report(s.records, policy, at("2025-03-10T00:00:00Z"), at("2025-03-11T00:00:00Z"));
  CHECK(r.solved == 7);
  CHECK(r.unassigned_solves == 2);
  REQUIRE(agent(r, 500120));
  CHECK(agent(r, 500120)->solved == 1);
  CHECK(agent(r, 500120)->assisted == 2);
  REQUIRE(agent(r, 500121));
  CHECK(agent(r, 500121)->solved == 4);
  CHECK(agent(r, 500121)->assisted == 0);
  for (UserId never : {902001, -1, 400001, 777001}) {
    INFO(never);
    CHECK_FALSE(agent(r, never));
  }
  json j = to_json(r);
  CHECK(j["unassigned_solves"] == 2);
  std::ostringstream text;
  print_report(r, text);
  CHECK(text.str().find("7 solved (2 unassigned)") != std::string::npos);
}

TEST_CASE("an agent the policy names counts as an agent before the trail shows them",
          "[report][credit]") {
  Policy policy = three_tiers();
  RoutePolicy route;
  route.name = "billing";
  route.group = 114001;
  route.agents = {500300};
  policy.routes.push_back(route);
  Stream s;
  s.created(50, "2025-03-10T09:00:00Z", 500120);
  solve(s, 50, "2025-03-10T09:05:00Z", 500300, 500120);
  TierReport r =
      build_report(s.records, policy, at("2025-03-10T00:00:00Z"), at("2025-03-11T00:00:00Z"));
  REQUIRE(agent(r, 500300));
  CHECK(agent(r, 500300)->assisted == 1);
  CHECK(agent(r, 500120)->solved == 1);
}

TEST_CASE("a requester who is also an agent gets no assist for solving their own ticket",
          "[report][credit]") {
  Stream s;
  s.created(51, "2025-03-10T09:00:00Z", 500121);
  s.created(52, "2025-03-10T09:00:00Z", 500120);
  solve(s, 51, "2025-03-10T09:05:00Z", 500120, 500121, 500120);
  TierReport r = build_report(s.records, three_tiers(), at("2025-03-10T00:00:00Z"),
                              at("2025-03-11T00:00:00Z"));
  CHECK(agent(r, 500121)->solved == 1);
  CHECK(agent(r, 500120) == nullptr);  // an agent, but here the requester: no line at all
}

TEST_CASE("the report counts a reopened ticket as solved only when solved again", "[report]") {
  Stream s;
  s.created(7, "2025-03-10T09:00:00Z", 500120);
  s.status(7, "2025-03-10T09:05:00Z", "solved", 500120);
  s.status(7, "2025-03-10T09:07:00Z", "open", 902001);
  TierReport open = build_report(s.records, three_tiers(), at("2025-03-10T00:00:00Z"),
                                 at("2025-03-11T00:00:00Z"));
  CHECK(open.solved == 0);
  CHECK(tier(open, "tier1").solved_in_tier == 0);

  s.status(7, "2025-03-10T09:20:00Z", "closed", -1, 500120);  // closed by the system
  TierReport closed = build_report(s.records, three_tiers(), at("2025-03-10T00:00:00Z"),
                                   at("2025-03-11T00:00:00Z"));
  CHECK(closed.solved == 1);
  CHECK(tier(closed, "tier1").solved_in_tier == 1);
  CHECK(tier(closed, "tier1").time_to_solve.p50 == Duration(20min));
  REQUIRE(agent(closed, 500120));
  CHECK(agent(closed, 500120)->solved == 1);  // the system closed it: the assignee gets the solve
}

TEST_CASE("the report reads status changes that carry no ticket from the event's current value",
          "[report]") {
  Stream s;
  s.created(8, "2025-03-10T09:00:00Z", 500123);
  s.add(8, "2025-03-10T09:03:00Z", "event",
        {{"type", "zen:event-type:ticket.status_changed"},
         {"kind", "status_changed"},
         {"current", "SOLVED"},
         {"previous", "OPEN"},
         {"actor", 500123}});
  TierReport r = build_report(s.records, three_tiers(), at("2025-03-10T00:00:00Z"),
                              at("2025-03-11T00:00:00Z"));
  CHECK(tier(r, "tier1").solved_in_tier == 1);
  REQUIRE(agent(r, 500123));
  CHECK(agent(r, 500123)->solved == 1);
}

TEST_CASE("the report leaves out records before the window and places an older ticket by its group",
          "[report]") {
  Stream s;
  s.created(9, "2025-03-09T09:00:00Z");
  s.escalate(9, "2025-03-09T09:15:00Z", "tier1", "tier2", 15 * 60000);
  s.add(9, "2025-03-10T10:00:00Z", "event",
        {{"kind", "status_changed"}, {"status", "solved"}, {"group", 114002}, {"actor", 500124}});
  TierReport r = build_report(s.records, three_tiers(), at("2025-03-10T00:00:00Z"),
                              at("2025-03-11T00:00:00Z"));
  CHECK(tier(r, "tier1").entered == 0);
  CHECK(tier(r, "tier1").escalated_out == 0);
  CHECK(tier(r, "tier2").solved_in_tier == 1);
  CHECK(tier(r, "tier2").time_to_solve.count == 0);  // its creation lies before the window
  CHECK(r.tickets == 0);
}

TEST_CASE("the report counts review kinds: reviewers, forwards, time to forward, unknown routes",
          "[report]") {
  Stream s;
  s.add(20, "2025-03-10T09:00:00Z", "review_entered", {{"group", 114000}, {"tag", "tierd_review"}});
  s.add(20, "2025-03-10T09:00:00Z", "reviewer_assigned", {{"reviewer_id", 700}});
  s.add(20, "2025-03-10T09:04:00Z", "forward_unknown_route",
        {{"route", "biling"}, {"reviewer_id", 700}});
  s.add(20, "2025-03-10T09:06:00Z", "forwarded",
        {{"by", "reviewer"},
         {"reviewer_id", 700},
         {"route", "billing"},
         {"to_group", 114001},
         {"to_tier", "tier1"},
         {"assignee_id", 500120}});
  s.add(20, "2025-03-10T09:06:00Z", "tier_entered",
        {{"tier", "tier1"}, {"how", "agent"}, {"at", "2025-03-10T09:06:00Z"}});
  s.add(21, "2025-03-10T09:10:00Z", "review_entered", {{"group", 114000}, {"tag", "tierd_review"}});
  s.add(21, "2025-03-10T09:12:00Z", "forwarded",
        {{"by", "reviewer"},
         {"reviewer_id", 700},
         {"route", "setup"},
         {"to_group", 114001},
         {"to_tier", "tier1"},
         {"assignee_id", nullptr}});
  s.add(21, "2025-03-10T09:12:00Z", "unassigned",
        {{"route", "setup"}, {"reason", "nobody available"}});
  s.add(22, "2025-03-10T09:20:00Z", "review_entered", {{"group", 114000}, {"tag", "tierd_review"}});
  s.add(22, "2025-03-10T09:20:00Z", "forwarded",
        {{"by", "rule"},
         {"reviewer_id", nullptr},
         {"route", "billing"},
         {"rule", "vat"},
         {"to_group", 114001},
         {"to_tier", "tier1"},
         {"assignee_id", 500121}});
  s.add(23, "2025-03-10T09:30:00Z", "review_entered", {{"group", 114000}, {"tag", "tierd_review"}});
  s.add(23, "2025-03-10T09:40:00Z", "review_escalated",
        {{"lead_group", 114009}, {"budget_ms", 600000}, {"used_ms", 600000}});

  TierReport r = build_report(s.records, three_tiers(), at("2025-03-10T00:00:00Z"),
                              at("2025-03-11T00:00:00Z"));
  CHECK(r.tickets == 4);
  CHECK(r.review.entered == 4);
  CHECK(r.review.forwarded_by_reviewer == 2);
  CHECK(r.review.forwarded_by_rule == 1);
  CHECK(r.review.unknown_route == 1);
  CHECK(r.review.escalated == 1);
  CHECK(r.review.unassigned == 1);
  REQUIRE(r.reviewers.size() == 1);
  CHECK(r.reviewers[0].id == 700);
  CHECK(r.reviewers[0].forwarded == 2);
  CHECK(r.reviewers[0].time_to_forward.count == 2);
  CHECK(r.reviewers[0].time_to_forward.p50 == Duration(2min));
  CHECK(r.reviewers[0].time_to_forward.p90 == Duration(6min));
  REQUIRE(agent(r, 700));
  CHECK(agent(r, 700)->reviewed == 2);
  CHECK(agent(r, 700)->forwarded == 2);
  REQUIRE(agent(r, 500120));
  CHECK(agent(r, 500120)->received_forwards == 1);
  REQUIRE(agent(r, 500121));
  CHECK(agent(r, 500121)->received_forwards == 1);
  CHECK(tier(r, "tier1").entered == 1);
}

TEST_CASE("the report's JSON form uses the documented field names", "[report]") {
  TierReport r = build_report(three_tickets().records, three_tiers(), at("2025-03-10T00:00:00Z"),
                              at("2025-03-11T00:00:00Z"));
  json j = to_json(r);
  REQUIRE(j.at("tiers").size() == 3);
  CHECK(j["tiers"][0]["name"] == "tier1");
  CHECK(j["tiers"][0]["entered"] == 3);
  CHECK(j["tiers"][0]["solved_in_tier"] == 1);
  CHECK(j["tiers"][0]["escalated_out"] == 2);
  CHECK(j["tiers"][0]["time_in_tier"]["p50_ms"] == 15 * 60000);
  CHECK(j["tiers"][2]["time_in_tier"]["p50_ms"].is_null());
  bool found = false;
  for (const auto& a : j.at("agents")) {
    if (a.at("id") == 500122) found = a.at("solved") == 1;
  }
  CHECK(found);
  CHECK(j["benchmark"]["solved_at_first_tier"]["expected"] == Approx(0.8));
  CHECK(j["benchmark"]["reaching_third_tier"]["actual"] == Approx(0.3333));
}

TEST_CASE("the report table shows the benchmark beside the actual shares", "[report]") {
  TierReport r = build_report(three_tickets().records, three_tiers(), at("2025-03-10T00:00:00Z"),
                              at("2025-03-11T00:00:00Z"));
  std::ostringstream out;
  print_report(r, out);
  std::string text = out.str();
  INFO(text);
  CHECK(text.find("3 tickets, 2 solved") != std::string::npos);
  CHECK(text.find("~80% solved here") != std::string::npos);
  CHECK(text.find("5-10% reach it") != std::string::npos);
  CHECK(text.find("33.3%") != std::string::npos);
  CHECK(text.find("500121") != std::string::npos);
}

TEST_CASE("the report lists a tier name the policy no longer has after the policy's tiers",
          "[report]") {
  Stream s;
  s.add(30, "2025-03-10T09:00:00Z", "tier_entered",
        {{"tier", "legacy"}, {"how", "created"}, {"at", "2025-03-10T09:00:00Z"}});
  TierReport r = build_report(s.records, three_tiers(), at("2025-03-10T00:00:00Z"),
                              at("2025-03-11T00:00:00Z"));
  REQUIRE(r.tiers.size() == 4);
  CHECK(r.tiers[3].name == "legacy");
  CHECK(r.tiers[3].entered == 1);
}

TEST_CASE("the report counts escalations by cause, bounce-backs and the review budget",
          "[report][causes]") {
  Stream s;
  s.created(60, "2025-03-10T09:00:00Z");
  s.escalate(60, "2025-03-10T09:15:00Z", "tier1", "tier2", 15 * 60000);  // reason budget
  s.created(61, "2025-03-10T09:00:00Z");
  s.add(61, "2025-03-10T09:05:00Z", "escalate",
        {{"from", "tier1"}, {"to", "tier2"}, {"reason", "manual"}, {"cause", "manual_tag"}});
  s.created(62, "2025-03-10T09:00:00Z");  // a trail from before causes were recorded
  s.add(62, "2025-03-10T09:06:00Z", "escalate",
        {{"from", "tier1"}, {"to", "tier2"}, {"reason", "manual"}});
  s.created(63, "2025-03-10T09:00:00Z");  // an agent moves it up by hand
  s.add(63, "2025-03-10T09:07:00Z", "tier_left",
        {{"tier", "tier1"}, {"to", "tier2"}, {"stay_ms", 420000}, {"how", "agent"}});
  s.add(63, "2025-03-10T09:07:00Z", "tier_entered",
        {{"tier", "tier2"}, {"how", "agent"}, {"at", "2025-03-10T09:07:00Z"}});
  // ... and back down, by hand, then by the tag.
  s.add(63, "2025-03-10T09:20:00Z", "tier_left",
        {{"tier", "tier2"}, {"to", "tier1"}, {"stay_ms", 780000}, {"how", "agent"}});
  s.add(63, "2025-03-10T09:20:00Z", "tier_entered",
        {{"tier", "tier1"}, {"how", "agent"}, {"at", "2025-03-10T09:20:00Z"}});
  s.add(60, "2025-03-10T09:30:00Z", "deescalate",
        {{"from", "tier2"}, {"to", "tier1"}, {"reason", "manual"}, {"cause", "manual_tag"}});
  s.add(64, "2025-03-10T09:00:00Z", "review_entered", {{"group", 114000}});
  s.add(64, "2025-03-10T09:40:00Z", "review_escalated",
        {{"cause", "review_budget"}, {"lead_group", 114009}});

  TierReport r = build_report(s.records, three_tiers(), at("2025-03-10T00:00:00Z"),
                              at("2025-03-11T00:00:00Z"));
  const CauseCounts& by = tier(r, "tier1").flow.escalated_by;
  CHECK(by.timer == 1);
  CHECK(by.manual_tag == 2);
  CHECK(by.agent_move == 1);
  CHECK(by.review_budget == 0);
  CHECK(tier(r, "tier1").flow.bounced_back == 0);
  CHECK(tier(r, "tier2").flow.bounced_back == 2);
  CHECK(r.review.escalated == 1);
  json j = to_json(r);
  CHECK(j["tiers"][0]["escalated_by"]["manual_tag"] == 2);
  CHECK(j["tiers"][1]["bounced_back"] == 2);
  std::ostringstream text;
  print_report(r, text);
  INFO(text.str());
  CHECK(text.str().find("Escalations by cause") != std::string::npos);
}

TEST_CASE("the reopen rate is the share of a tier's solves reopened later", "[report][reopen]") {
  Stream s;
  s.created(70, "2025-03-10T09:00:00Z", 500120);
  s.status(70, "2025-03-10T09:05:00Z", "solved", 500120, 500120);
  s.status(70, "2025-03-10T09:10:00Z", "open", 902001, 500120);
  s.status(70, "2025-03-10T09:15:00Z", "solved", 500120, 500120);
  s.created(71, "2025-03-10T09:00:00Z", 500120);
  s.status(71, "2025-03-10T09:05:00Z", "solved", 500120, 500120);
  s.status(71, "2025-03-10T09:06:00Z", "closed", -1, 500120);  // closing is no reopen
  TierReport r = build_report(s.records, three_tiers(), at("2025-03-10T00:00:00Z"),
                              at("2025-03-11T00:00:00Z"));
  CHECK(r.solved == 2);  // each ticket once, for its final solve
  CHECK(tier(r, "tier1").flow.solves == 3);
  CHECK(tier(r, "tier1").flow.reopened == 1);
  CHECK(tier(r, "tier1").flow.reopen_rate == Approx(1.0 / 3));
  CHECK(agent(r, 500120)->solved == 2);
}

TEST_CASE("a forward moved to another group or forwarded again within the window is a misroute",
          "[report][misroute]") {
  auto forwarded = [](Stream& s, TicketId id, const char* when, const char* route) {
    s.add(id, when, "forwarded",
          {{"by", "reviewer"},
           {"reviewer_id", 700},
           {"route", route},
           {"to_group", 114001},
           {"to_tier", "tier1"},
           {"assignee_id", nullptr}});
  };
  Stream s;
  s.add(80, "2025-03-10T08:55:00Z", "review_entered", {{"group", 114000}});
  forwarded(s, 80, "2025-03-10T09:00:00Z", "billing");
  s.add(80, "2025-03-10T09:30:00Z", "group_moved",
        {{"cause", "agent_move"}, {"from_group", 114001}, {"to_group", 114002}});
  s.add(80, "2025-03-10T09:40:00Z", "group_moved",  // a second move: the same misroute
        {{"cause", "agent_move"}, {"from_group", 114002}, {"to_group", 114003}});
  s.add(81, "2025-03-10T08:55:00Z", "review_entered", {{"group", 114000}});
  forwarded(s, 81, "2025-03-10T09:00:00Z", "billing");
  forwarded(s, 81, "2025-03-10T10:00:00Z", "setup");  // forwarded again
  s.add(81, "2025-03-10T10:30:00Z", "escalate",
        {{"from", "tier1"}, {"to", "tier2"}, {"reason", "budget"}, {"cause", "timer"}});
  s.add(82, "2025-03-10T08:55:00Z", "review_entered", {{"group", 114000}});
  forwarded(s, 82, "2025-03-10T09:00:00Z", "billing");
  s.add(82, "2025-03-10T12:00:00Z", "group_moved",  // after the window
        {{"cause", "agent_move"}, {"from_group", 114001}, {"to_group", 114002}});

  ReportOptions options;
  options.misroute_window = 2h;
  TierReport r = build_report(s.records, three_tiers(), at("2025-03-10T00:00:00Z"),
                              at("2025-03-11T00:00:00Z"), options);
  CHECK(r.review.misroutes == 2);
  REQUIRE(r.routes.size() == 2);
  CHECK(r.routes[0].name == "billing");
  CHECK(r.routes[0].forwarded == 3);
  CHECK(r.routes[0].misroutes == 2);
  CHECK(r.routes[1].name == "setup");
  CHECK(r.routes[1].misroutes == 0);
  CHECK(r.routes[1].flow.escalated_by.timer == 1);
  REQUIRE(r.reviewers.size() == 1);
  CHECK(r.reviewers[0].misroutes == 2);
  CHECK(r.reviewers[0].forwarded == 4);
  CHECK(r.reviewers[0].time_to_forward.count == 3);  // the second forward had no review
  CHECK(to_json(r)["routes"][0]["misroutes"] == 2);
}

TEST_CASE("the report leaves out records after the end of its window", "[report]") {
  Stream s = three_tickets();
  TierReport r = build_report(s.records, three_tiers(), at("2025-03-10T00:00:00Z"),
                              at("2025-03-10T09:30:00Z"));
  CHECK(r.solved == 1);  // ticket 2's solve at 09:45 lies after the window
  CHECK(tier(r, "tier2").escalated_out == 0);
}
