// Shadow mode in decide(): writes are settled at once and kept in a backlog;
// the helpdesk's own reports do not undo them; going live writes, in one
// update, only what the backlog left due.
#include <catch2/catch.hpp>

#include <algorithm>

#include "decide_fixtures.h"

using namespace tierd;
using namespace tierd::test;

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

size_t count_audit(const Decision& d, const std::string& kind) {
  return static_cast<size_t>(std::count_if(d.audit.begin(), d.audit.end(),
                                           [&](const AuditNote& n) { return n.kind == kind; }));
}

TicketEvent status_event(const TicketSnapshot& t, const char* status, Instant when) {
  TicketEvent e = event(EventKind::kStatusChanged, t, when);
  e.previous = "open";
  e.current = status;
  return e;
}

// A ticket created open in tier1 at kT0 under a shadow policy.
Driver shadow_driver() {
  Driver d;
  d.policy.shadow = true;
  TicketSnapshot t = ticket(101, TicketStatus::kOpen, kT0, 500);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  return d;
}

}  // namespace

TEST_CASE("shadow mode writes nothing and settles the escalation as if it had landed",
          "[decide][shadow]") {
  Driver d = shadow_driver();
  const Decision& up = d.tick(kT0 + 15min);
  CHECK(up.writes.empty());
  CHECK(count_audit(up, "escalate") == 1);
  CHECK(count_audit(up, "shadow_write") == 1);
  CHECK(d.state.stay.tier == 1);
  CHECK(d.state.ticket.group_id == 102);
  CHECK(d.state.pending.empty());
  REQUIRE(d.state.shadow_writes.size() == 1);
  CHECK(d.state.shadow_writes[0].kind == "escalate");
  CHECK(d.state.shadow_writes[0].set_group == 102);
  CHECK(d.state.shadow_writes[0].summary.find("Escalated from tier1 to tier2") == 0);
  // tier2's clock started when the escalation "landed": 30 minutes later it moves on.
  REQUIRE(up.next_deadline);
  CHECK(*up.next_deadline == kT0 + 15min + 30min * 8 / 10);  // at risk first
  d.tick(kT0 + 45min);
  CHECK(d.state.stay.tier == 2);
  CHECK(d.state.ticket.group_id == 103);
}

TEST_CASE("the helpdesk's snapshots do not undo shadow decisions", "[decide][shadow]") {
  Driver d = shadow_driver();
  d.tick(kT0 + 15min);
  REQUIRE(d.state.stay.tier == 1);
  // An agent comments: the webhook carries the helpdesk's ticket, still in group 101.
  TicketSnapshot real = ticket(101, TicketStatus::kOpen, kT0, 500);
  const Decision& comment = d.on(event(EventKind::kCommentAdded, real, kT0 + 20min), kT0 + 20min);
  CHECK(comment.writes.empty());
  CHECK(count_audit(comment, "tier_entered") == 0);
  CHECK(d.state.stay.tier == 1);
  CHECK(d.state.ticket.group_id == 102);
  CHECK(d.state.ticket.updated_at == kT0 + 20min);
  // A reconciler snapshot neither.
  TicketEvent snap = event(EventKind::kSnapshot, real, kT0 + 21min);
  d.on(snap, kT0 + 21min);
  CHECK(d.state.stay.tier == 1);
  CHECK(d.state.ticket.group_id == 102);
  // A status change is taken: the clock pauses.
  TicketSnapshot pending = real;
  pending.status = TicketStatus::kPending;
  d.on(status_event(pending, "pending", kT0 + 22min), kT0 + 22min);
  CHECK(d.state.ticket.status == TicketStatus::kPending);
  CHECK_FALSE(d.state.stay.running_since);
}

TEST_CASE("an agent's move in shadow mode counts as a move", "[decide][shadow]") {
  Driver d = shadow_driver();
  d.tick(kT0 + 15min);
  TicketSnapshot moved = ticket(103, TicketStatus::kOpen, kT0, 500);
  TicketEvent e = event(EventKind::kGroupChanged, moved, kT0 + 20min);
  e.previous = "101";
  e.current = "103";
  d.on(e, kT0 + 20min);
  CHECK(d.state.stay.tier == 2);
  CHECK(d.state.stay.entered_by == "agent");
  CHECK(d.state.ticket.group_id == 103);
}

TEST_CASE("going live writes the escalations still due as one update with one note",
          "[decide][shadow]") {
  Driver d = shadow_driver();
  d.tick(kT0 + 12min);  // at risk
  d.tick(kT0 + 15min);  // tier2
  d.tick(kT0 + 45min);  // tier3
  REQUIRE(d.state.stay.tier == 2);
  REQUIRE(d.state.shadow_writes.size() == 3);

  d.policy.shadow = false;
  const Decision& live = d.tick(kT0 + 60min);
  REQUIRE(live.writes.size() == 1);
  const TicketWrite& w = live.writes[0];
  CHECK(w.kind == "go_live");
  CHECK(w.set_group == 103);
  CHECK(w.clear_assignee);
  CHECK(w.add_followers == std::vector<UserId>{500});
  CHECK(contains(w.add_tags, "tierd_tier3"));
  CHECK(contains(w.add_tags, "tierd_escalated"));
  CHECK_FALSE(contains(w.add_tags, "tierd_tier2"));
  CHECK_FALSE(contains(w.add_tags, "tierd_at_risk"));  // dropped by the escalation after it
  CHECK(contains(w.remove_tags, "tierd_tier2"));
  REQUIRE(w.note);
  CHECK(w.note->find("shadow mode") != std::string::npos);
  CHECK(w.note->find("from tier1 to tier2") != std::string::npos);
  CHECK(w.note->find("from tier2 to tier3") != std::string::npos);
  CHECK(w.note->find(write_marker(w.idempotency_key)) != std::string::npos);
  CHECK(count_audit(live, "go_live") == 1);
  // Not asked for twice while it is on its way.
  CHECK(d.tick(kT0 + 61min).writes.empty());

  // The helpdesk confirms: the backlog is done and the stay goes on in tier3.
  TicketSnapshot answer = after_write(ticket(101, TicketStatus::kOpen, kT0, 500), w, kT0 + 61min);
  d.confirm(w, answer, kT0 + 61min);
  CHECK(d.state.shadow_writes.empty());
  CHECK(d.state.stay.tier == 2);
  CHECK(d.state.stay.entered_by == "escalation");
  CHECK(d.state.pending.empty());
  CHECK(d.tick(kT0 + 90min).writes.empty());
}

TEST_CASE("going live writes nothing for a solved ticket and forgets the backlog",
          "[decide][shadow]") {
  Driver d = shadow_driver();
  d.tick(kT0 + 15min);
  TicketSnapshot solved = ticket(101, TicketStatus::kSolved, kT0, 500);
  d.on(status_event(solved, "solved", kT0 + 20min), kT0 + 20min);
  d.policy.shadow = false;
  const Decision& live = d.tick(kT0 + 30min);
  CHECK(live.writes.empty());
  CHECK(count_audit(live, "go_live") == 1);
  CHECK(live.audit.back().detail.value("due", true) == false);
  CHECK(d.state.shadow_writes.empty());
}

TEST_CASE("going live leaves alone a group an agent chose after the shadow escalation",
          "[decide][shadow]") {
  Driver d = shadow_driver();
  d.tick(kT0 + 12min);  // at risk in tier1
  d.tick(kT0 + 15min);  // tier2 in shadow
  TicketSnapshot moved = ticket(101, TicketStatus::kOpen, kT0, 500);
  TicketEvent e = event(EventKind::kGroupChanged, moved, kT0 + 20min);
  e.previous = "101";
  e.current = "101";
  d.on(e, kT0 + 20min);  // an agent puts it back in tier1 for real
  REQUIRE(d.state.stay.tier == 0);
  d.policy.shadow = false;
  const Decision& live = d.tick(kT0 + 21min);
  for (const auto& w : live.writes) CHECK_FALSE(w.set_group);
}

TEST_CASE("a conflict on the going-live write retries on the helpdesk's fresh ticket",
          "[decide][shadow]") {
  Driver d = shadow_driver();
  d.tick(kT0 + 15min);
  d.policy.shadow = false;
  const Decision& live = d.tick(kT0 + 20min);
  REQUIRE(live.writes.size() == 1);
  std::string key = live.writes[0].idempotency_key;
  // Meanwhile an agent added a tag; the helpdesk refuses the stale update.
  TicketSnapshot fresh = ticket(101, TicketStatus::kOpen, kT0 + 19min, 500, {"vip"});
  const Decision& retry =
      d.feed(Input::WriteOutcome(InputKind::kWriteConflict, {key}, fresh, "409 UpdateConflict"),
             kT0 + 21min);
  REQUIRE(retry.writes.size() == 1);
  const TicketWrite& w = retry.writes[0];
  CHECK(w.kind == "go_live");
  CHECK(w.set_group == 102);
  CHECK(w.base_updated_at == kT0 + 19min);
  CHECK(contains(w.base_tags, "vip"));
  CHECK(contains(w.apply_tags(w.base_tags), "vip"));
  CHECK(contains(w.apply_tags(w.base_tags), "tierd_tier2"));
  CHECK(d.state.stay.tier == 1);  // not taken for an agent's move back
  CHECK(retry.cancelled_writes == std::vector<std::string>{key});
}

TEST_CASE("a closed ticket's shadow backlog is dropped", "[decide][shadow]") {
  Driver d = shadow_driver();
  d.tick(kT0 + 15min);
  TicketSnapshot closed = ticket(101, TicketStatus::kClosed, kT0, 500);
  d.on(status_event(closed, "closed", kT0 + 20min), kT0 + 20min);
  CHECK(d.state.shadow_writes.empty());
}

TEST_CASE("the shadow backlog survives the store's JSON", "[decide][shadow]") {
  Driver d = shadow_driver();
  d.tick(kT0 + 12min);
  d.tick(kT0 + 15min);
  auto back = ticket_state_from_json(to_json(d.state));
  REQUIRE(back.ok());
  CHECK(*back == d.state);
}
