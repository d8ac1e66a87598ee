// replay(): recorded Zendesk deliveries replayed through decide() on a
// virtual clock. The lines are built from the webhook fixtures in
// tests/fixtures/zendesk, changed only in ids, times and ticket fields.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "reports/export_events.h"
#include "config/policy_builder.h"
#include "reports/report.h"
#include "reports/replay.h"
#include "support/fixtures.h"
#include "support/instants.h"

using namespace tierd;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using testing::at;

// One event-subscribed delivery on one line, from an example payload.
class Lines {
 public:
  Lines& created(int64_t ticket, const std::string& time, int64_t group,
                 const std::string& status = "NEW") {
    json p = testing::fixture_json("zendesk/ticket_created.json");
    set_ticket(p, ticket, time, group, status);
    p["detail"]["created_at"] = time;
    return add(p);
  }
  Lines& status(int64_t ticket, const std::string& time, int64_t group, const std::string& previous,
                const std::string& current, int64_t actor = 500120) {
    json p = testing::fixture_json("zendesk/ticket_status_changed.json");
    set_ticket(p, ticket, time, group, current);
    p["event"]["previous"] = previous;
    p["event"]["current"] = current;
    p["detail"]["actor_id"] = std::to_string(actor);
    return add(p);
  }
  Lines& group(int64_t ticket, const std::string& time, int64_t from, int64_t to, int64_t actor,
               const std::string& status = "OPEN", std::vector<std::string> tags = {"billing"}) {
    json p = testing::fixture_json("zendesk/ticket_group_assignment_changed.json");
    set_ticket(p, ticket, time, to, status);
    p["event"]["previous"] = std::to_string(from);
    p["event"]["current"] = std::to_string(to);
    p["detail"]["actor_id"] = std::to_string(actor);
    p["detail"]["tags"] = tags;
    return add(p);
  }
  Lines& tags(int64_t ticket, const std::string& time, int64_t group, std::vector<std::string> now,
              std::vector<std::string> added, int64_t actor) {
    json p = testing::fixture_json("zendesk/ticket_tags_changed.json");
    set_ticket(p, ticket, time, group, "OPEN");
    p["detail"]["tags"] = now;
    p["detail"]["actor_id"] = std::to_string(actor);
    p["event"]["tags_added"] = added;
    p["event"]["tags_removed"] = json::array();
    return add(p);
  }
  Lines& raw(const std::string& line) {
    text_ += line + "\n";
    return *this;
  }
  std::vector<TicketEvent> events() const {
    std::istringstream in(text_);
    EventLines read = read_event_lines(in);
    INFO(text_);
    REQUIRE(read.skipped.empty());
    return read.events;
  }
  const std::string& text() const { return text_; }

 private:
  void set_ticket(json& p, int64_t ticket, const std::string& time, int64_t group,
                  const std::string& status) {
    p["id"] = "ev-" + std::to_string(++count_);
    p["time"] = time;
    p["subject"] = "zen:ticket:" + std::to_string(ticket);
    p["detail"]["id"] = std::to_string(ticket);
    p["detail"]["group_id"] = std::to_string(group);
    p["detail"]["status"] = status;
    p["detail"]["updated_at"] = time;
    p["detail"]["created_at"] = "2025-03-10T09:00:00Z";
    p["detail"]["tags"] = {"billing"};
  }
  Lines& add(const json& p) {
    text_ += p.dump() + "\n";
    return *this;
  }
  std::string text_;
  int count_ = 0;
};

Policy budgets(Duration tier1, Duration tier2) {
  Policy p;
  for (int i = 1; i <= 3; ++i) {
    TierPolicy t;
    t.name = "tier" + std::to_string(i);
    t.groups = {114000 + i};
    if (i == 1) t.budget = tier1;
    if (i == 2) t.budget = tier2;
    p.tiers.push_back(t);
  }
  p.api_user_id = 999;
  return p;
}

std::vector<std::string> timeline(const ReplayRun& run) {
  std::vector<std::string> out;
  for (const auto& d : run.decisions) {
    out.push_back(format_instant(d.at) + " " + d.action + " " + d.from + ">" + d.to);
  }
  return out;
}

std::string describe_all(const ReplayRun& run) {
  std::string out;
  for (const auto& d : run.decisions) out += describe(d) + "\n";
  return out;
}

// The issue's ticket: created 09:00, pending 09:05-09:20, open afterwards.
Lines issue_scenario() {
  Lines lines;
  lines.created(48213, "2025-03-10T09:00:00Z", 114001)
      .status(48213, "2025-03-10T09:05:00Z", 114001, "NEW", "PENDING")
      .status(48213, "2025-03-10T09:20:00Z", 114001, "PENDING", "OPEN");
  return lines;
}

}  // namespace

TEST_CASE(
    "simulate: pending 09:05-09:20 moves the issue's ticket to tier 2 at 09:30, tier 3 at 10:00",
    "[simulate]") {
  ReplayRun run = replay(issue_scenario().events(), budgets(15min, 30min), {});
  // Tier 1: 5m before the pause, 7m more reach 80% of 15m at 09:27, 10m more
  // use it up at 09:30. Tier 2 starts at 09:30: 80% of 30m at 09:54, all at 10:00.
  CHECK(timeline(run) == std::vector<std::string>{
                             "2025-03-10T09:27:00Z at_risk tier1>",
                             "2025-03-10T09:30:00Z escalate tier1>tier2",
                             "2025-03-10T09:54:00Z at_risk tier2>",
                             "2025-03-10T10:00:00Z escalate tier2>tier3",
                         });
  CHECK(run.events == 3);
  CHECK(run.ticks == 4);
  CHECK(run.ended == at("2025-03-10T10:00:00Z"));
  REQUIRE(run.decisions.size() == 4);
  CHECK(run.decisions[1].ticket == 48213);
  CHECK(run.decisions[1].reason.find("15m of handling time used, budget 15m") != std::string::npos);

  TierReport report = build_report(run.audit, budgets(15min, 30min), run.started, run.ended);
  REQUIRE(report.tiers.size() == 3);
  CHECK(report.tiers[0].entered == 1);
  CHECK(report.tiers[0].escalated_out == 1);
  CHECK(report.tiers[1].escalated_out == 1);
  CHECK(report.tiers[2].entered == 1);
  CHECK(report.tiers[0].time_in_tier.p50 == Duration(30min));  // wall time, pause included
  CHECK(report.tiers[0].handling_time.p50 == Duration(15min));
}

TEST_CASE("simulate --until stops the virtual clock before later deadlines", "[simulate]") {
  ReplayOptions options;
  options.until = at("2025-03-10T09:29:59Z");
  ReplayRun run = replay(issue_scenario().events(), budgets(15min, 30min), options);
  CHECK(timeline(run) == std::vector<std::string>{"2025-03-10T09:27:00Z at_risk tier1>"});
  CHECK(run.ended == at("2025-03-10T09:29:59Z"));
}

TEST_CASE("simulate pauses a tier calendar's clock outside business hours", "[simulate]") {
  auto config = parse_config(R"({
    "store": {"sqlite": {"path": "a.db"}},
    "zendesk": {"base_url": "https://acme.zendesk.com", "email": "bot@acme.com"},
    "tiers": [{"name": "tier1", "groups": [114001], "escalate_after": "15m", "calendar": "emea"},
              {"name": "tier2", "groups": [114002], "escalate_after": "30m"},
              {"name": "tier3", "groups": [114003]}],
    "calendars": {"emea": {"timezone": "Europe/Amsterdam",
                           "hours": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"],
                                     "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]}}}
  })",
                             "calendar.json");
  INFO(config.status().message());
  REQUIRE(config.ok());
  auto policy = build_policy(*config);
  REQUIRE(policy.ok());
  // Friday 16:50 in Amsterdam (UTC+1 in March): 10m before closing, the
  // remaining 5m on Monday from 09:00 local; tier 2 has no calendar.
  Lines lines;
  lines.created(7, "2025-03-07T15:50:00Z", 114001, "OPEN");
  ReplayRun run = replay(lines.events(), **policy, {});
  CHECK(timeline(run) == std::vector<std::string>{
                             "2025-03-10T08:02:00Z at_risk tier1>",
                             "2025-03-10T08:05:00Z escalate tier1>tier2",
                             "2025-03-10T08:29:00Z at_risk tier2>",
                             "2025-03-10T08:35:00Z escalate tier2>tier3",
                         });
  // The escalation says where the weekend went, in Amsterdam time.
  const ReplayDecision& up = run.decisions[1];
  REQUIRE(up.wait);
  CHECK(up.wait->tier == "tier1");
  CHECK(up.wait->wall == 2h * 24 + 16h + 15min);  // Fri 16:50 .. Mon 09:05
  CHECK(up.wait->closed == up.wait->wall - 15min);
  CHECK(up.wait->paused == Duration::zero());
  auto amsterdam = LocalTime::in_zone("Europe/Amsterdam");
  REQUIRE(amsterdam.ok());
  CHECK(describe(up, *amsterdam) ==
        "Mon 2025-03-10 09:05 CET  ticket 7  escalate  tier1 -> tier2  15m of handling time used, "
        "budget 15m for normal priority; 2d 16h 15m since tier1 began Fri 16:50: 2d 16h closed "
        "(outside opening hours)");
  CHECK(to_json(up)["wait"]["closed_ms"] == up.wait->closed.count());
  // Tier 2 has no calendar and nothing paused it: no wait to explain.
  CHECK_FALSE(run.decisions[3].wait);
}

TEST_CASE("simulate leaves out recorded writes of tierd's own user and applies agents' changes",
          "[simulate]") {
  // Recorded under a 15m budget: tierd (user 999) moved the ticket at 09:15;
  // an agent solved it in tier 2 at 09:20. Under a 30m budget tierd would
  // not have moved it, and the agent's solve lands in tier 1.
  Lines lines;
  lines.created(5, "2025-03-10T09:00:00Z", 114001, "OPEN")
      .group(5, "2025-03-10T09:15:00Z", 114001, 114002, 999, "OPEN",
             {"billing", "tierd_escalated", "tierd_tier2"})
      .status(5, "2025-03-10T09:20:00Z", 114002, "OPEN", "SOLVED", 500121);
  Policy policy = budgets(30min, 30min);
  ReplayRun run = replay(lines.events(), policy, {});
  CHECK(run.own_writes_skipped == 1);
  CHECK(run.events == 2);
  CHECK(run.decisions.empty());
  TierReport report = build_report(run.audit, policy, run.started, run.ended);
  CHECK(report.tiers[0].solved_in_tier == 1);
  CHECK(report.tiers[1].entered == 0);
  // The recording's ticket is assigned to 500120, whose solve it is. Nothing
  // in this trail shows that 500121 is an agent, so they get no assist.
  REQUIRE(report.agents.size() == 1);
  CHECK(report.agents[0].id == 500120);
  CHECK(report.agents[0].solved == 1);
  CHECK(report.agents[0].assisted == 0);
}

TEST_CASE("simulate replays an agent's move by hand, which restarts the clock in the new tier",
          "[simulate]") {
  Lines lines;
  lines.created(6, "2025-03-10T09:00:00Z", 114001, "OPEN")
      .group(6, "2025-03-10T09:10:00Z", 114001, 114002, 500120);
  ReplayRun run = replay(lines.events(), budgets(15min, 30min), {});
  // Tier 1's at-risk mark at 09:12 never comes; tier 2 counts from 09:10.
  CHECK(timeline(run) == std::vector<std::string>{
                             "2025-03-10T09:34:00Z at_risk tier2>",
                             "2025-03-10T09:40:00Z escalate tier2>tier3",
                         });
}

TEST_CASE("simulate takes events in time order and a redelivered event id only once",
          "[simulate]") {
  Lines lines;
  lines.status(48213, "2025-03-10T09:20:00Z", 114001, "PENDING", "OPEN")
      .status(48213, "2025-03-10T09:05:00Z", 114001, "NEW", "PENDING")
      .created(48213, "2025-03-10T09:00:00Z", 114001);
  std::vector<TicketEvent> events = lines.events();
  events.push_back(events.front());  // the same delivery again
  ReplayRun run = replay(events, budgets(15min, 30min), {});
  CHECK(run.duplicates == 1);
  REQUIRE_FALSE(run.decisions.empty());
  CHECK(run.decisions[1].action == "escalate");
  CHECK(run.decisions[1].at == at("2025-03-10T09:30:00Z"));
}

TEST_CASE("simulate reads payload lines as Zendesk sends them and lists the bad ones",
          "[simulate]") {
  json trigger = testing::fixture_json("zendesk/trigger_body_rendered.json");
  json user_event = testing::fixture_json("zendesk/ticket_created.json");
  user_event["type"] = "zen:event-type:user.created";
  std::string text = testing::fixture_json("zendesk/ticket_created.json").dump() + "\n\n" + "{not json\n" +
                     trigger.dump() + "\n" + user_event.dump() + "\n";
  std::istringstream in(text);
  EventLines read = read_event_lines(in);
  CHECK(read.lines == 4);
  REQUIRE(read.events.size() == 2);
  CHECK(read.events[0].kind == EventKind::kCreated);
  CHECK(read.events[0].ticket_id == 48213);
  CHECK(read.events[0].time == at("2025-03-10T09:00:05Z"));
  CHECK(read.events[1].kind == EventKind::kSnapshot);
  REQUIRE(read.skipped.size() == 2);
  CHECK(describe(read.skipped[0]).rfind("line 3: ", 0) == 0);
  CHECK(read.skipped[1].line == 5);
  CHECK(read.skipped[1].reason.find("user.created") != std::string::npos);
}

TEST_CASE("simulate names every line it cannot replay, with the reason", "[simulate]") {
  json good = testing::fixture_json("zendesk/ticket_created.json");
  json no_type = {{"hello", 1}};
  json bare_type = good;
  bare_type["type"] = "ticket.created";
  bare_type["id"] = "other-1";
  json no_detail = good;
  no_detail.erase("detail");
  no_detail["id"] = "other-2";
  std::istringstream in(no_type.dump() + "\n" + bare_type.dump() + "\n" + no_detail.dump() +
                        "\n" + good.dump() + "\n");
  EventLines read = read_event_lines(in);
  CHECK(read.lines == 4);
  CHECK(read.events.size() == 1);
  REQUIRE(read.skipped.size() == 3);
  CHECK(read.skipped[0].line == 1);
  CHECK(read.skipped[0].reason.find("no \"type\"") != std::string::npos);
  CHECK(read.skipped[1].line == 2);
  CHECK(read.skipped[1].reason.find("start with \"zen:event-type:\"") != std::string::npos);
  CHECK(read.skipped[2].line == 3);
  CHECK(read.skipped[2].reason.find("no \"detail\"") != std::string::npos);
  CHECK(read.skipped[2].reason.find("ticket 48213") != std::string::npos);
}

TEST_CASE("simulate --diff lists decisions only one policy makes and those at other times",
          "[simulate]") {
  std::vector<TicketEvent> events = issue_scenario().events();
  ReplayRun a = replay(events, budgets(15min, 30min), {});
  ReplayRun b = replay(events, budgets(20min, 30min), {});
  ReplayDiff diff = diff_runs(a, b);
  CHECK(diff.same == 0);
  REQUIRE(diff.differences.size() == 4);
  CHECK(diff.differences[0].change == ReplayDifference::Change::kMoved);
  CHECK(diff.differences[0].a.at == at("2025-03-10T09:27:00Z"));
  CHECK(diff.differences[0].b.at == at("2025-03-10T09:31:00Z"));  // 16m of 20m
  CHECK(diff.differences[1].b.at == at("2025-03-10T09:35:00Z"));

  ReplayRun c = replay(events, budgets(15min, 30min), {});
  CHECK(diff_runs(a, c).differences.empty());
  CHECK(diff_runs(a, c).same == 4);

  ReplayOptions early;
  early.until = at("2025-03-10T09:40:00Z");
  ReplayDiff cut = diff_runs(a, replay(events, budgets(15min, 30min), early));
  REQUIRE(cut.differences.size() == 2);
  CHECK(cut.differences[0].change == ReplayDifference::Change::kOnlyA);
}

TEST_CASE("a simulated decision prints as one JSON object: at, ticket, action, from, to, reason",
          "[simulate]") {
  ReplayRun run = replay(issue_scenario().events(), budgets(15min, 30min), {});
  REQUIRE(run.decisions.size() == 4);
  json j = to_json(run.decisions[1]);
  CHECK(j["at"] == "2025-03-10T09:30:00Z");
  CHECK(j["ticket"] == 48213);
  CHECK(j["action"] == "escalate");
  CHECK(j["from"] == "tier1");
  CHECK(j["to"] == "tier2");
  CHECK(j["reason"].get<std::string>().find("budget 15m") != std::string::npos);
  CHECK(to_json(run.decisions[0])["to"].is_null());
  CHECK(describe(run.decisions[1]).find("ticket 48213  escalate  tier1 -> tier2") !=
        std::string::npos);
}

TEST_CASE("simulate forwards reviewed tickets round-robin among the route's agents", "[simulate]") {
  Policy policy = budgets(15min, 30min);
  policy.review.emplace();
  policy.review->groups = {114000};
  policy.review->reviewers = {500777};
  RoutePolicy billing;
  billing.name = "billing";
  billing.group = 114001;
  billing.agents = {500120, 500121};
  policy.routes.push_back(billing);

  Lines lines;
  lines.created(1, "2025-03-10T09:00:00Z", 114000)
      .created(2, "2025-03-10T09:01:00Z", 114000)
      .tags(1, "2025-03-10T09:02:00Z", 114000, {"billing", "tierd_review", "tierd_forward_billing"},
            {"tierd_forward_billing"}, 500777)
      .tags(2, "2025-03-10T09:03:00Z", 114000, {"billing", "tierd_review", "tierd_forward_billing"},
            {"tierd_forward_billing"}, 500777);
  ReplayOptions options;
  options.until = at("2025-03-10T09:10:00Z");
  ReplayRun run = replay(lines.events(), policy, options);
  std::vector<std::string> forwards;
  for (const auto& d : run.decisions) {
    if (d.action == "forward") forwards.push_back(std::to_string(d.ticket) + " " + d.reason);
  }
  INFO(describe_all(run));
  REQUIRE(forwards.size() == 2);
  CHECK(forwards[0].find("1 forwarded by reviewer user 500777, assigned to user 500120") == 0);
  CHECK(forwards[1].find("2 forwarded by reviewer user 500777, assigned to user 500121") == 0);
}
