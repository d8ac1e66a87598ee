// decide() for review-and-forward: arrival in review, reviewer assignment,
// forwarding by tag and by field, route strategies, availability, the review
// budget, routing rules and the exactly-once bookkeeping. Virtual clock only.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/review.h"
#include "decide_fixtures.h"

using namespace tierd;
using namespace tierd::test;

namespace {

constexpr GroupId kReview = 100;
constexpr GroupId kLeads = 109;
constexpr int64_t kForwardField = 9001;

std::shared_ptr<const WorkCalendar> calendar(const std::string& tz, int day, int from_minute,
                                             int to_minute) {
  CalendarSpec spec;
  spec.timezone = tz;
  spec.weekly[static_cast<size_t>(day)].push_back({from_minute, to_minute});
  return std::make_shared<const WorkCalendar>(*WorkCalendar::create(spec));
}

Policy review_policy() {
  Policy p = three_tiers();
  ReviewPolicy r;
  r.groups = {kReview};
  r.budget = 10min;
  r.lead_group = kLeads;
  r.reviewers = {700, 701};
  r.assign_reviewer = true;
  r.forward_field_id = kForwardField;
  p.review = r;
  p.routes.push_back({"billing", 101, {201, 202, 203}, RouteAssign::kRoundRobin, {}});
  p.routes.push_back({"setup", 102, {211, 212}, RouteAssign::kLeastOpen, {}});
  p.routes.push_back({"integrations",
                      102,
                      {221, 222},
                      RouteAssign::kSkills,
                      {{221, {"api", "webhooks"}}, {222, {"sso"}}}});
  p.routes.push_back({"manual", 103, {}, RouteAssign::kNone, {}});
  RoutingRule vip;
  vip.name = "vip_first";
  vip.when.tags_any = {"vip"};
  vip.route = "setup";
  vip.forward = true;
  RoutingRule refund;
  refund.name = "refund_words";
  refund.when.keywords = {"refund"};
  refund.route = "billing";
  p.routing_rules = {vip, refund};
  return p;
}

Roster everyone() {
  Roster r;
  r.members[kReview] = {700, 701};
  r.members[101] = {201, 202, 203};
  r.members[102] = {211, 212, 221, 222};
  r.members[103] = {231};
  return r;
}

TicketSnapshot with_field(TicketSnapshot t, int64_t id, const std::string& value) {
  t.custom_fields = {{id, value}};
  return t;
}

// Feeds decide() with a Roster; keeps the state and the cursors like the engine.
struct ReviewDriver {
  Policy policy = review_policy();
  Roster roster = everyone();
  TicketState state;
  std::vector<Decision> history;

  const Decision& feed(const Input& in, Instant now) {
    history.push_back(decide(state, in, now, policy, roster));
    state = history.back().state;
    for (const auto& [pool, agent] : history.back().cursor_updates) roster.cursors[pool] = agent;
    return history.back();
  }
  const Decision& on(const TicketEvent& e, Instant now) { return feed(Input::Event(e), now); }
  const Decision& tick(Instant now) { return feed(Input::Tick(), now); }
  const Decision& confirm(const TicketWrite& w, const TicketSnapshot& answer, Instant now) {
    return feed(Input::WriteOutcome(InputKind::kWriteConfirmed, {w.idempotency_key}, answer, "200"),
                now);
  }
  // Lets a write land as the vendor would and returns the stored ticket.
  TicketSnapshot land(const TicketWrite& w, Instant now) {
    TicketSnapshot t = after_write(state.ticket, w, now);
    for (int64_t id : w.clear_custom_fields) {
      std::erase_if(t.custom_fields, [&](const CustomFieldValue& f) { return f.id == id; });
    }
    confirm(w, t, now);
    return t;
  }
  // A new ticket arrives in review and the review write lands.
  TicketSnapshot arrive(TicketSnapshot t = ticket(kReview, TicketStatus::kNew, kT0)) {
    const Decision d = on(event(EventKind::kCreated, t, kT0), kT0);
    if (!d.writes.empty()) return land(d.writes[0], kT0 + 1s);
    return state.ticket;
  }
};

const AuditNote* find_audit(const Decision& d, const std::string& kind) {
  for (const auto& a : d.audit) {
    if (a.kind == kind) return &a;
  }
  return nullptr;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

TicketEvent tags_added(const TicketSnapshot& before, std::vector<std::string> add, Instant when,
                       UserId actor) {
  TicketSnapshot t = before;
  t.tags = apply_tag_changes(t.tags, add, {});
  TicketEvent e = event(EventKind::kTagsChanged, t, when, actor);
  e.tags_added = normalize_tags(std::move(add));
  return e;
}

TicketEvent field_set(const TicketSnapshot& before, const std::string& value, Instant when,
                      UserId actor) {
  // Like Zendesk's event detail: the snapshot has no custom fields, the change has the value.
  TicketSnapshot t = before;
  t.custom_fields.clear();
  TicketEvent e = event(EventKind::kCustomFieldChanged, t, when, actor);
  e.current = value;
  e.custom_field = CustomFieldValue{kForwardField, value};
  return e;
}

}  // namespace

TEST_CASE("a ticket arriving in a review group gets the review tag and a reviewer", "[review]") {
  ReviewDriver drv;
  const Decision d =
      drv.on(event(EventKind::kCreated, ticket(kReview, TicketStatus::kNew, kT0), kT0), kT0);
  REQUIRE(d.writes.size() == 1);
  const TicketWrite& w = d.writes[0];
  CHECK(w.kind == "review");
  CHECK(w.add_tags == std::vector<std::string>{"tierd_review"});
  CHECK(w.set_assignee == UserId{700});
  CHECK_FALSE(w.set_group);
  CHECK(d.cursor_updates.at("review") == 700);
  const AuditNote* entered = find_audit(d, "review_entered");
  REQUIRE(entered);
  CHECK(entered->detail.at("group") == kReview);
  CHECK(entered->detail.at("tag") == "tierd_review");
  const AuditNote* assigned = find_audit(d, "reviewer_assigned");
  REQUIRE(assigned);
  CHECK(assigned->detail.at("reviewer_id") == 700);
  CHECK(drv.state.review.active);
  CHECK(drv.state.review.running_since == kT0);
  CHECK(d.next_deadline == kT0 + 8min);  // the at-risk share of the 10 min budget
}

TEST_CASE("reviewers are picked round-robin among those available", "[review]") {
  struct Row {
    std::optional<UserId> last;
    std::set<UserId> away;
    std::set<UserId> members;
    std::optional<UserId> expected;
  };
  const Row rows[] = {
      {std::nullopt, {}, {700, 701}, 700},
      {700, {}, {700, 701}, 701},
      {701, {}, {700, 701}, 700},
      {700, {701}, {700, 701}, 700},  // the next one is away: back to the same
      {std::nullopt, {700}, {700, 701}, 701},
      {std::nullopt, {}, {701}, 701},  // not a member of the review group
      {std::nullopt, {700, 701}, {700, 701}, std::nullopt},
      {999, {}, {700, 701}, 700},  // a cursor naming someone gone starts over
  };
  Policy p = review_policy();
  for (const auto& row : rows) {
    Roster r;
    r.members[kReview] = row.members;
    r.away = row.away;
    if (row.last) r.cursors["review"] = *row.last;
    AgentPick pick = pick_reviewer(*p.review, kReview, r, kT0, p.availability);
    CAPTURE(row.last.value_or(0), row.expected.value_or(0));
    CHECK(pick.agent == row.expected);
    if (row.expected) {
      CHECK(pick.cursor->second == *row.expected);
    } else {
      CHECK(pick.reason == "no reviewer is available");
    }
  }
}

TEST_CASE("review entry without reviewer assignment or with nobody available still tags",
          "[review]") {
  SECTION("assign_reviewer off") {
    ReviewDriver drv;
    drv.policy.review->assign_reviewer = false;
    const Decision d =
        drv.on(event(EventKind::kCreated, ticket(kReview, TicketStatus::kNew, kT0), kT0), kT0);
    REQUIRE(d.writes.size() == 1);
    CHECK_FALSE(d.writes[0].set_assignee);
    CHECK(find_audit(d, "reviewer_assigned") == nullptr);
  }
  SECTION("nobody available (the 4-argument decide)") {
    Policy p = review_policy();
    Decision d = decide(
        TicketState{},
        Input::Event(event(EventKind::kCreated, ticket(kReview, TicketStatus::kNew, kT0), kT0)),
        kT0, p);
    REQUIRE(d.writes.size() == 1);
    CHECK(d.writes[0].add_tags == std::vector<std::string>{"tierd_review"});
    CHECK_FALSE(d.writes[0].set_assignee);
    REQUIRE(find_audit(d, "reviewer_unassigned"));
    CHECK(d.cursor_updates.empty());
  }
  SECTION("already tagged and assigned: nothing to write, still recorded") {
    ReviewDriver drv;
    const Decision d =
        drv.on(event(EventKind::kCreated,
                     ticket(kReview, TicketStatus::kNew, kT0, 701, {"tierd_review"}), kT0),
               kT0);
    CHECK(d.writes.empty());
    CHECK(find_audit(d, "review_entered"));
    CHECK(drv.state.next_write_seq == 1);
  }
}

TEST_CASE("a reviewer forwards by tag: group, agent, tags, note, audit, then the tier clock",
          "[review]") {
  ReviewDriver drv;
  TicketSnapshot t = drv.arrive();
  CHECK(t.assignee_id == UserId{700});
  CHECK(t.has_tag("tierd_review"));

  const Decision d = drv.on(tags_added(t, {"tierd_forward_billing"}, kT0 + 2min, 700), kT0 + 2min);
  REQUIRE(d.writes.size() == 1);
  const TicketWrite w = d.writes[0];
  CHECK(w.kind == "forward");
  CHECK(w.set_group == GroupId{101});
  CHECK(w.set_assignee == UserId{201});
  CHECK(has(w.remove_tags, "tierd_review"));
  CHECK(has(w.remove_tags, "tierd_forward_billing"));
  CHECK(w.add_tags == std::vector<std::string>{"tierd_tier1"});
  REQUIRE(w.note);
  CHECK(w.note->find("Forwarded to the route billing by reviewer user 700") != std::string::npos);
  CHECK(w.note->find("assigned to user 201") != std::string::npos);
  CHECK(w.note->find(write_marker(w.idempotency_key)) != std::string::npos);
  CHECK(d.cursor_updates.at("route:billing") == 201);
  const AuditNote* fwd = find_audit(d, "forwarded");
  REQUIRE(fwd);
  CHECK(fwd->detail.at("by") == "reviewer");
  CHECK(fwd->detail.at("reviewer_id") == 700);
  CHECK(fwd->detail.at("route") == "billing");
  CHECK(fwd->detail.at("to_group") == 101);
  CHECK(fwd->detail.at("to_tier") == "tier1");
  CHECK(fwd->detail.at("assignee_id") == 201);
  CHECK_FALSE(drv.state.review.running_since);  // the review clock waits for the move
  CHECK(open_assignee(drv.state) == UserId{201});

  // The same change seen again (a duplicate event, a reconcile row) asks for nothing new.
  CHECK(drv.on(tags_added(t, {"tierd_forward_billing"}, kT0 + 2min, 700), kT0 + 2min + 1s)
            .writes.empty());

  drv.land(w, kT0 + 3min);
  CHECK_FALSE(drv.state.review.active);
  CHECK(drv.state.stay.tier == 0);
  CHECK(drv.state.stay.entered_by == "forward");
  CHECK(drv.state.stay.running_since == kT0 + 3min);
  CHECK(drv.state.pending.empty());

  // tier1's 15 min budget now runs: at the deadline the ticket escalates.
  const Decision later = drv.tick(kT0 + 18min);
  REQUIRE(later.writes.size() == 1);
  CHECK(later.writes[0].kind == "escalate");
  CHECK(later.writes[0].set_group == GroupId{102});
}

TEST_CASE("a reviewer forwards by the custom field - the field is cleared and acted on once",
          "[review]") {
  ReviewDriver drv;
  TicketSnapshot t = drv.arrive();
  const Decision d = drv.on(field_set(t, "setup", kT0 + 1min, 701), kT0 + 1min);
  REQUIRE(d.writes.size() == 1);
  const TicketWrite w = d.writes[0];
  CHECK(w.kind == "forward");
  CHECK(w.set_group == GroupId{102});
  CHECK(w.clear_custom_fields == std::vector<int64_t>{kForwardField});
  CHECK(find_audit(d, "forwarded")->detail.at("reviewer_id") == 701);

  // A helpdesk that keeps showing the old value does not forward twice.
  TicketSnapshot stale = after_write(drv.state.ticket, w, kT0 + 2min);
  drv.confirm(w, stale, kT0 + 2min);
  CHECK(drv.state.ticket.custom_fields.size() == 1);
  CHECK(drv.tick(kT0 + 3min).writes.empty());
  CHECK(
      drv.on(event(EventKind::kSnapshot, drv.state.ticket, kT0 + 4min), kT0 + 4min).writes.empty());
}

TEST_CASE("the forward field may hold the forward tag instead of the route name", "[review]") {
  ReviewDriver drv;
  TicketSnapshot t = drv.arrive();
  auto req = forward_request(
      [&] {
        TicketState s = drv.state;
        s.ticket = with_field(t, kForwardField, "tierd_forward_billing");
        return s;
      }(),
      drv.policy);
  REQUIRE(req);
  CHECK(req->route == "billing");
  CHECK(req->tag.empty());
}

TEST_CASE("a forward naming an unknown route gets a note and the ticket stays in review",
          "[review]") {
  SECTION("by tag") {
    ReviewDriver drv;
    TicketSnapshot t = drv.arrive();
    const Decision d =
        drv.on(tags_added(t, {"tierd_forward_nowhere"}, kT0 + 1min, 700), kT0 + 1min);
    REQUIRE(d.writes.size() == 1);
    const TicketWrite& w = d.writes[0];
    CHECK(w.kind == "forward_unknown");
    CHECK(w.remove_tags == std::vector<std::string>{"tierd_forward_nowhere"});
    CHECK_FALSE(w.set_group);
    REQUIRE(w.note);
    CHECK(w.note->find("no route named \"nowhere\"") != std::string::npos);
    CHECK(w.note->find("billing, setup, integrations, manual") != std::string::npos);
    CHECK(w.note->find("stays in review") != std::string::npos);
    const AuditNote* a = find_audit(d, "forward_unknown_route");
    REQUIRE(a);
    CHECK(a->detail.at("route") == "nowhere");
    CHECK(a->detail.at("reviewer_id") == 700);
    CHECK(drv.state.review.active);
    CHECK(drv.state.review.running_since);  // still counting review time
    CHECK(drv.tick(kT0 + 2min).writes.empty());
  }
  SECTION("by field") {
    ReviewDriver drv;
    TicketSnapshot t = drv.arrive();
    const Decision d = drv.on(field_set(t, "nowhere", kT0 + 1min, 701), kT0 + 1min);
    REQUIRE(d.writes.size() == 1);
    CHECK(d.writes[0].clear_custom_fields == std::vector<int64_t>{kForwardField});
    CHECK(drv.tick(kT0 + 2min).writes.empty());
    // The reviewer then picks a real route.
    const Decision again =
        drv.on(field_set(drv.state.ticket, "billing", kT0 + 3min, 701), kT0 + 3min);
    REQUIRE(again.writes.size() == 1);
    CHECK(again.writes[0].kind == "forward");
  }
}

TEST_CASE("route strategies pick among available agents as documented", "[review]") {
  Policy p = review_policy();
  struct Row {
    const char* what;
    std::string route;
    std::vector<std::string> tags;
    std::function<void(Roster&)> setup;
    std::optional<UserId> expected;
  };
  const std::vector<Row> rows = {
      {"round robin starts at the first agent", "billing", {}, [](Roster&) {}, 201},
      {"round robin continues after the cursor",
       "billing",
       {},
       [](Roster& r) { r.cursors["route:billing"] = 201; },
       202},
      {"round robin wraps",
       "billing",
       {},
       [](Roster& r) { r.cursors["route:billing"] = 203; },
       201},
      {"round robin skips the away",
       "billing",
       {},
       [](Roster& r) {
         r.cursors["route:billing"] = 201;
         r.away = {202};
       },
       203},
      {"round robin skips non-members",
       "billing",
       {},
       [](Roster& r) {
         r.cursors["route:billing"] = 201;
         r.members[101] = {201, 203};
       },
       203},
      {"least open picks the fewest open tickets",
       "setup",
       {},
       [](Roster& r) {
         r.open_tickets = {{211, 5}, {212, 2}};
       },
       212},
      {"least open ties go to the lowest id",
       "setup",
       {},
       [](Roster& r) {
         r.open_tickets = {{211, 2}, {212, 2}};
       },
       211},
      {"least open skips the away",
       "setup",
       {},
       [](Roster& r) {
         r.open_tickets = {{211, 9}};
         r.away = {212};
       },
       211},
      {"skills: the agent whose skills match", "integrations", {"sso"}, [](Roster&) {}, 222},
      {"skills: most matches win", "integrations", {"api", "sso", "webhooks"}, [](Roster&) {}, 221},
      {"skills: ties go to fewest open",
       "integrations",
       {"other"},
       [](Roster& r) {
         r.open_tickets = {{221, 3}, {222, 1}};
       },
       222},
      {"skills: then the lowest id", "integrations", {"other"}, [](Roster&) {}, 221},
      {"skills: a matching agent away is skipped",
       "integrations",
       {"sso"},
       [](Roster& r) { r.away = {222}; },
       221},
      {"nobody available", "billing", {}, [](Roster& r) { r.members.erase(101); }, std::nullopt},
      {"assign none", "manual", {}, [](Roster&) {}, std::nullopt},
  };
  for (const auto& row : rows) {
    Roster r = everyone();
    row.setup(r);
    TicketSnapshot t = ticket(kReview, TicketStatus::kOpen, kT0, std::nullopt, row.tags);
    AgentPick pick = pick_route_agent(*p.route(row.route), t, r, kT0, p.availability);
    CAPTURE(row.what);
    CHECK(pick.agent == row.expected);
    CHECK(pick.cursor.has_value() == (row.route == "billing" && row.expected.has_value()));
  }
}

TEST_CASE("agents outside their schedule are not available", "[review]") {
  Policy p = review_policy();
  // kT0 is a Thursday; 201 works Sundays only, 202 works Thursdays all day.
  p.availability.schedules[201] = calendar("UTC", 0, 0, 1440);
  p.availability.schedules[202] = calendar("UTC", 4, 0, 1440);
  Roster r = everyone();
  TicketSnapshot t = ticket(kReview, TicketStatus::kOpen, kT0);
  CHECK(pick_route_agent(*p.route("billing"), t, r, kT0, p.availability).agent == UserId{202});
  CHECK_FALSE(r.available(201, 101, kT0, p.availability));
  CHECK(r.available(203, 101, kT0, p.availability));  // no schedule: any time
}

TEST_CASE("a forward that finds nobody available lands unassigned and is counted", "[review]") {
  ReviewDriver drv;
  TicketSnapshot t = drv.arrive();
  drv.roster.away = {201, 202, 203};
  const Decision d = drv.on(tags_added(t, {"tierd_forward_billing"}, kT0 + 1min, 700), kT0 + 1min);
  REQUIRE(d.writes.size() == 1);
  const TicketWrite& w = d.writes[0];
  CHECK(w.set_group == GroupId{101});
  CHECK_FALSE(w.set_assignee);
  CHECK(w.clear_assignee);  // the reviewer does not keep it
  CHECK(w.note->find("unassigned: no agent of the route is available") != std::string::npos);
  const AuditNote* u = find_audit(d, "unassigned");
  REQUIRE(u);
  CHECK(u->detail.at("route") == "billing");
  CHECK(u->detail.at("reason") == "no agent of the route is available");
  CHECK(find_audit(d, "forwarded")->detail.at("assignee_id").is_null());
  CHECK(d.cursor_updates.empty());
  CHECK(open_assignee(drv.state) == std::nullopt);
}

TEST_CASE("a route that assigns nobody is not an unassigned forward", "[review]") {
  ReviewDriver drv;
  TicketSnapshot t = drv.arrive();
  const Decision d = drv.on(tags_added(t, {"tierd_forward_manual"}, kT0 + 1min, 700), kT0 + 1min);
  REQUIRE(d.writes.size() == 1);
  CHECK(d.writes[0].set_group == GroupId{103});
  CHECK(find_audit(d, "unassigned") == nullptr);
  CHECK(find_audit(d, "forwarded")->detail.at("to_tier") == "tier3");
}

TEST_CASE("the review budget: at risk at the share, then to the lead group", "[review]") {
  ReviewDriver drv;
  TicketSnapshot t = drv.arrive();
  CHECK(drv.history.back().next_deadline == kT0 + 8min);

  const Decision risk = drv.tick(kT0 + 8min);
  REQUIRE(risk.writes.size() == 1);
  CHECK(risk.writes[0].kind == "at_risk");
  CHECK(risk.writes[0].add_tags == std::vector<std::string>{"tierd_at_risk"});
  CHECK(find_audit(risk, "at_risk")->detail.at("stage") == "review");
  CHECK(risk.next_deadline == kT0 + 10min);
  t = drv.land(risk.writes[0], kT0 + 8min + 1s);

  const Decision over = drv.tick(kT0 + 10min);
  REQUIRE(over.writes.size() == 1);
  const TicketWrite w = over.writes[0];
  CHECK(w.kind == "review_escalate");
  CHECK(w.set_group == kLeads);
  CHECK(w.clear_assignee);
  CHECK(w.add_followers == std::vector<UserId>{700});
  CHECK(has(w.remove_tags, "tierd_review"));
  CHECK(has(w.remove_tags, "tierd_at_risk"));
  CHECK(w.note->find("Moved to the review leads (group 109) by tierd after 10m") !=
        std::string::npos);
  const AuditNote* a = find_audit(over, "review_escalated");
  REQUIRE(a);
  CHECK(a->detail.at("lead_group") == kLeads);
  CHECK(a->detail.at("budget_ms") == 600000);
  CHECK(a->detail.at("used_ms") == 600000);
  CHECK_FALSE(over.next_deadline);

  drv.land(w, kT0 + 11min);
  CHECK_FALSE(drv.state.review.active);
  CHECK(drv.state.pending.empty());
  CHECK(drv.tick(kT0 + 30min).writes.empty());
}

TEST_CASE("review budgets by priority: an urgent ticket goes to the leads sooner", "[review]") {
  ReviewDriver drv;
  drv.policy.review->priority_budgets[Priority::kUrgent] = 4min;
  TicketSnapshot urgent = ticket(kReview, TicketStatus::kNew, kT0);
  urgent.priority = Priority::kUrgent;
  drv.arrive(urgent);
  // At risk at 80% of 4 minutes, then to the leads at 4, not at 10.
  CHECK(drv.history.back().next_deadline == kT0 + 3min + 12s);
  const Decision risk = drv.tick(kT0 + 3min + 12s);
  REQUIRE(risk.writes.size() == 1);
  CHECK(find_audit(risk, "at_risk")->detail.at("budget_ms") == 240000);
  drv.land(risk.writes[0], kT0 + 3min + 13s);
  const Decision over = drv.tick(kT0 + 4min);
  REQUIRE(over.writes.size() == 1);
  CHECK(over.writes[0].kind == "review_escalate");
  CHECK(find_audit(over, "review_escalated")->detail.at("budget_ms") == 240000);

  // A priority without its own budget keeps escalate_after.
  ReviewDriver normal;
  normal.policy.review->priority_budgets[Priority::kUrgent] = 4min;
  normal.arrive();
  CHECK(normal.history.back().next_deadline == kT0 + 8min);

  // Only per-priority budgets: other priorities have no review limit.
  ReviewDriver only_urgent;
  only_urgent.policy.review->budget.reset();
  only_urgent.policy.review->priority_budgets[Priority::kUrgent] = 4min;
  only_urgent.arrive();
  CHECK_FALSE(only_urgent.history.back().next_deadline);
  CHECK(only_urgent.tick(kT0 + 2h).writes.empty());
}

TEST_CASE("the review clock pauses in pending and on-hold", "[review]") {
  ReviewDriver drv;
  TicketSnapshot t = drv.arrive();
  t.status = TicketStatus::kPending;
  const Decision paused = drv.on(event(EventKind::kStatusChanged, t, kT0 + 3min), kT0 + 3min);
  CHECK_FALSE(paused.next_deadline);
  CHECK(drv.state.review.used == 3min);
  t.status = TicketStatus::kOpen;
  const Decision resumed = drv.on(event(EventKind::kStatusChanged, t, kT0 + 60min), kT0 + 60min);
  CHECK(resumed.next_deadline == kT0 + 60min + 5min);  // 8 min at-risk share, 3 used
  CHECK(drv.tick(kT0 + 64min).writes.empty());
  CHECK(drv.tick(kT0 + 65min).writes.at(0).kind == "at_risk");
}

TEST_CASE("the review clock counts only the review calendar's hours", "[review]") {
  ReviewDriver drv;
  // Thursdays 09:00-10:00 UTC; kT0 is Thursday 08:53:20 UTC.
  drv.policy.review->calendar = calendar("UTC", 4, 9 * 60, 10 * 60);
  drv.arrive();
  CHECK(drv.history.front().next_deadline == at("2025-10-09T09:08:00Z"));
  CHECK(drv.tick(at("2025-10-09T09:07:59Z")).writes.empty());
  CHECK(drv.tick(at("2025-10-09T09:08:00Z")).writes.at(0).kind == "at_risk");
}

TEST_CASE("routing rules forward at once or suggest a route in the review note", "[review]") {
  SECTION("forward: skips review") {
    ReviewDriver drv;
    const Decision d =
        drv.on(event(EventKind::kCreated,
                     ticket(kReview, TicketStatus::kNew, kT0, std::nullopt, {"vip"}), kT0),
               kT0);
    REQUIRE(d.writes.size() == 1);
    CHECK(d.writes[0].kind == "forward");
    CHECK(d.writes[0].set_group == GroupId{102});
    CHECK(d.writes[0].note->find("by the routing rule vip_first") != std::string::npos);
    const AuditNote* a = find_audit(d, "forwarded");
    REQUIRE(a);
    CHECK(a->detail.at("by") == "rule");
    CHECK(a->detail.at("rule") == "vip_first");
    CHECK(a->detail.at("reviewer_id").is_null());
    CHECK(find_audit(d, "review_entered") == nullptr);
  }
  SECTION("suggest: a note for the reviewer") {
    ReviewDriver drv;
    TicketSnapshot t = ticket(kReview, TicketStatus::kNew, kT0);
    t.subject = "Please REFUND my last invoice";
    const Decision d = drv.on(event(EventKind::kCreated, t, kT0), kT0);
    REQUIRE(d.writes.size() == 1);
    CHECK(d.writes[0].kind == "review");
    REQUIRE(d.writes[0].note);
    CHECK(d.writes[0].note->find("refund_words suggests the route billing") != std::string::npos);
    CHECK(d.writes[0].note->find("tierd_forward_billing") != std::string::npos);
    CHECK(find_audit(d, "review_entered")->detail.at("suggested_route") == "billing");
    CHECK(drv.state.review.suggested_route == "billing");
  }
}

TEST_CASE("routing rule conditions: all given must hold, any entry of a list", "[review]") {
  TicketSnapshot t = ticket(kReview, TicketStatus::kNew, kT0, std::nullopt, {"billing", "vip"});
  t.channel = "email";
  t.form_id = 55;
  t.priority = Priority::kHigh;
  t.organization_id = 77;
  t.subject = "Charge twice";
  t.description = "I was charged twice for my plan";
  struct Row {
    const char* what;
    std::function<void(RoutingCondition&)> set;
    bool matches;
  };
  const std::vector<Row> rows = {
      {"no condition", [](RoutingCondition&) {}, true},
      {"channel",
       [](RoutingCondition& c) {
         c.channels = {"web", "email"};
       },
       true},
      {"other channel", [](RoutingCondition& c) { c.channels = {"web"}; }, false},
      {"form", [](RoutingCondition& c) { c.form_ids = {55}; }, true},
      {"other form", [](RoutingCondition& c) { c.form_ids = {56}; }, false},
      {"priority",
       [](RoutingCondition& c) {
         c.priorities = {Priority::kHigh, Priority::kUrgent};
       },
       true},
      {"other priority", [](RoutingCondition& c) { c.priorities = {Priority::kLow}; }, false},
      {"tags_any",
       [](RoutingCondition& c) {
         c.tags_any = {"x", "vip"};
       },
       true},
      {"tags_any none", [](RoutingCondition& c) { c.tags_any = {"x"}; }, false},
      {"tags_all",
       [](RoutingCondition& c) {
         c.tags_all = {"vip", "billing"};
       },
       true},
      {"tags_all missing one",
       [](RoutingCondition& c) {
         c.tags_all = {"vip", "x"};
       },
       false},
      {"organisation", [](RoutingCondition& c) { c.organization_ids = {77}; }, true},
      {"other organisation", [](RoutingCondition& c) { c.organization_ids = {78}; }, false},
      {"keyword in the subject", [](RoutingCondition& c) { c.keywords = {"charge"}; }, true},
      {"keyword in the description", [](RoutingCondition& c) { c.keywords = {"plan"}; }, true},
      {"keyword nowhere", [](RoutingCondition& c) { c.keywords = {"refund"}; }, false},
      {"all hold",
       [](RoutingCondition& c) {
         c.channels = {"email"};
         c.tags_any = {"vip"};
         c.keywords = {"twice"};
       },
       true},
      {"one fails",
       [](RoutingCondition& c) {
         c.channels = {"email"};
         c.tags_any = {"vip"};
         c.keywords = {"refund"};
       },
       false},
  };
  for (const auto& row : rows) {
    RoutingCondition c;
    row.set(c);
    CAPTURE(row.what);
    CHECK(rule_matches(c, t) == row.matches);
  }
  TicketSnapshot bare;
  RoutingCondition org;
  org.organization_ids = {77};
  CHECK_FALSE(rule_matches(org, bare));
}

TEST_CASE("a forward refused in a conflict is decided again - one refused for good is not repeated",
          "[review]") {
  SECTION("conflict") {
    ReviewDriver drv;
    TicketSnapshot t = drv.arrive();
    TicketSnapshot tagged = t;
    tagged.tags = apply_tag_changes(t.tags, {"tierd_forward_billing"}, {});
    const Decision d =
        drv.on(tags_added(t, {"tierd_forward_billing"}, kT0 + 1min, 700), kT0 + 1min);
    std::string key = d.writes.at(0).idempotency_key;
    tagged.updated_at = kT0 + 90s;
    const Decision again =
        drv.feed(Input::WriteOutcome(InputKind::kWriteConflict, {key}, tagged, "409"), kT0 + 2min);
    CHECK(again.cancelled_writes == std::vector<std::string>{key});
    REQUIRE(again.writes.size() == 1);
    CHECK(again.writes[0].kind == "forward");
    CHECK(again.writes[0].idempotency_key != key);
    CHECK(find_audit(again, "forwarded")->detail.at("reviewer_id") == 700);
  }
  SECTION("dead") {
    ReviewDriver drv;
    TicketSnapshot t = drv.arrive();
    const Decision d =
        drv.on(tags_added(t, {"tierd_forward_billing"}, kT0 + 1min, 700), kT0 + 1min);
    std::string key = d.writes.at(0).idempotency_key;
    const Decision dead = drv.feed(
        Input::WriteOutcome(InputKind::kWriteDead, {key}, std::nullopt, "422"), kT0 + 2min);
    CHECK(dead.writes.empty());
    CHECK(drv.state.forward_blocked);
    CHECK(drv.tick(kT0 + 3min).writes.empty());
    CHECK(drv.state.review.running_since);  // back to counting review time
  }
}

TEST_CASE("decide() with a roster is pure: the same arguments give the same decision", "[review]") {
  ReviewDriver drv;
  TicketSnapshot t = drv.arrive();
  Input in = Input::Event(tags_added(t, {"tierd_forward_setup"}, kT0 + 1min, 700));
  Decision a = decide(drv.state, in, kT0 + 1min, drv.policy, drv.roster);
  Decision b = decide(drv.state, in, kT0 + 1min, drv.policy, drv.roster);
  CHECK(a.state == b.state);
  CHECK(a.writes == b.writes);
  CHECK(a.cursor_updates == b.cursor_updates);
  CHECK(a.next_deadline == b.next_deadline);
}

TEST_CASE("review state survives the store's JSON round trip", "[review]") {
  ReviewDriver drv;
  TicketSnapshot t = drv.arrive();
  drv.on(tags_added(t, {"tierd_forward_billing"}, kT0 + 1min, 700), kT0 + 1min);
  drv.state.consumed_forward_field = "billing";
  drv.state.review.suggested_route = "billing";
  auto back = ticket_state_from_json(to_json(drv.state));
  REQUIRE(back.ok());
  CHECK(*back == drv.state);
  CHECK(back->pending.at(0).sets_assignee);
  CHECK(back->pending.at(0).to_assignee == UserId{201});

  // A state stored before the review stage existed still loads.
  nlohmann::json old = to_json(TicketState{});
  old.erase("review");
  old.erase("forward_actor");
  old.erase("consumed_forward_field");
  old.erase("forward_blocked");
  auto legacy = ticket_state_from_json(old);
  REQUIRE(legacy.ok());
  CHECK_FALSE(legacy->review.active);
}

TEST_CASE("tickets outside review are not entered into it", "[review]") {
  ReviewDriver drv;
  const Decision d =
      drv.on(event(EventKind::kCreated, ticket(101, TicketStatus::kNew, kT0), kT0), kT0);
  CHECK(d.writes.empty());
  CHECK_FALSE(drv.state.review.active);
  CHECK(drv.state.stay.tier == 0);
}

TEST_CASE("a forward made before the review write landed still drops the review tag and reviewer",
          "[review]") {
  ReviewDriver drv;
  drv.roster.away = {201, 202, 203};
  TicketSnapshot t = ticket(kReview, TicketStatus::kNew, kT0);
  const Decision entry = drv.on(event(EventKind::kCreated, t, kT0), kT0);
  REQUIRE(entry.writes.at(0).set_assignee == UserId{700});
  const Decision d = drv.on(tags_added(t, {"tierd_forward_billing"}, kT0 + 5s, 700), kT0 + 5s);
  REQUIRE(d.writes.size() == 1);
  CHECK(has(d.writes[0].remove_tags, "tierd_review"));
  CHECK(d.writes[0].clear_assignee);
  // Merged in order, as the writer sends them, the two leave neither behind.
  TicketSnapshot merged =
      after_write(after_write(t, entry.writes[0], kT0 + 6s), d.writes[0], kT0 + 6s);
  CHECK_FALSE(merged.has_tag("tierd_review"));
  CHECK_FALSE(merged.assignee_id);
  CHECK(merged.group_id == GroupId{101});
}
