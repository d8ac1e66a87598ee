// decide() puts back an agent's tag that tierd's own whole-list tag write
// overwrote in the same second, and only such a tag.
#include <catch2/catch.hpp>

#include <algorithm>

#include "decide_fixtures.h"

using namespace tierd;
using namespace tierd::test;

namespace {

constexpr UserId kApiUser = 999;  // three_tiers()'s api_user_id

TicketEvent tags_event(const TicketSnapshot& t, Instant when, std::optional<UserId> actor,
                       std::vector<std::string> added, std::vector<std::string> removed) {
  TicketEvent e = event(EventKind::kTagsChanged, t, when, actor);
  e.tags_added = std::move(added);
  e.tags_removed = std::move(removed);
  return e;
}

const TicketWrite* find_write(const Decision& d, const std::string& kind) {
  auto it = std::find_if(d.writes.begin(), d.writes.end(),
                         [&](const TicketWrite& w) { return w.kind == kind; });
  return it == d.writes.end() ? nullptr : &*it;
}

// A ticket escalated to tier2 at kT0 + 15 min, the write confirmed.
Driver escalated() {
  Driver d;
  TicketSnapshot t = ticket(101, TicketStatus::kOpen, kT0, 500, {"tierd_tier1"});
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  const Decision& up = d.tick(kT0 + 15min);
  REQUIRE(up.writes.size() == 1);
  TicketWrite w = up.writes[0];
  d.confirm(w, after_write(d.state.ticket, w, kT0 + 15min), kT0 + 15min);
  return d;
}

}  // namespace

TEST_CASE("an agent's tag that tierd's own write removed is put back with a note",
          "[decide][tags]") {
  Driver d = escalated();
  // The echo of tierd's write: it dropped "vip", which an agent had added in
  // the same second and tierd had not heard of.
  TicketSnapshot now = d.state.ticket;
  const Decision& echo =
      d.on(tags_event(now, kT0 + 15min, kApiUser, {"tierd_tier2"}, {"vip", "tierd_tier1"}),
           kT0 + 15min + 1s);
  const TicketWrite* w = find_write(echo, "restore_tags");
  REQUIRE(w != nullptr);
  CHECK(w->add_tags == std::vector<std::string>{"vip"});
  CHECK(w->remove_tags.empty());
  REQUIRE(w->note);
  CHECK(w->note->find("put back the tag vip") != std::string::npos);
  CHECK(w->note->find(write_marker(w->idempotency_key)) != std::string::npos);
  CHECK(std::any_of(echo.audit.begin(), echo.audit.end(),
                    [](const AuditNote& n) { return n.kind == "tags_restored"; }));

  // The restore's own echo adds the tag: nothing more to do.
  const Decision& again =
      d.on(tags_event(now, kT0 + 15min + 2s, kApiUser, {"vip"}, {}), kT0 + 15min + 3s);
  CHECK(find_write(again, "restore_tags") == nullptr);
}

TEST_CASE("a refused restore is asked for again on the fresh ticket, unless it has the tag",
          "[decide][tags]") {
  Driver d = escalated();
  TicketSnapshot now = d.state.ticket;
  const Decision& echo =
      d.on(tags_event(now, kT0 + 15min, kApiUser, {}, {"vip", "vip2"}), kT0 + 15min + 1s);
  const TicketWrite* w = find_write(echo, "restore_tags");
  REQUIRE(w != nullptr);
  const std::string key = w->idempotency_key;
  // Someone changed the ticket meanwhile (and put vip2 back by hand).
  TicketSnapshot fresh = now;
  fresh.tags.push_back("vip2");
  fresh.updated_at = kT0 + 15min + 2s;
  const Decision& retry =
      d.feed(Input::WriteOutcome(InputKind::kWriteConflict, {key}, fresh, "409"), kT0 + 15min + 3s);
  const TicketWrite* again = find_write(retry, "restore_tags");
  REQUIRE(again != nullptr);
  CHECK(again->add_tags == std::vector<std::string>{"vip"});
  CHECK(again->base_updated_at == kT0 + 15min + 2s);
  d.confirm(*again, after_write(fresh, *again, kT0 + 15min + 4s), kT0 + 15min + 4s);
  CHECK(d.state.tags_to_restore.empty());
  CHECK(d.tick(kT0 + 20min).writes.empty());
}

TEST_CASE("tags tierd removes itself are not put back", "[decide][tags]") {
  Driver d = escalated();
  TicketSnapshot now = d.state.ticket;
  // tierd's own tags, and a tag an earlier write of tierd's removed on purpose.
  d.state.own_removed_tags.push_back("billing");
  const Decision& echo = d.on(
      tags_event(now, kT0 + 15min, kApiUser, {},
                 {"tierd_tier1", "tierd_at_risk", "tierd_escalate", "tierd_forward_x", "billing"}),
      kT0 + 15min + 1s);
  CHECK(find_write(echo, "restore_tags") == nullptr);
}

TEST_CASE("an agent removing a tag is not undone", "[decide][tags]") {
  Driver d = escalated();
  const Decision& echo =
      d.on(tags_event(d.state.ticket, kT0 + 16min, 500, {}, {"vip"}), kT0 + 16min);
  CHECK(find_write(echo, "restore_tags") == nullptr);
}

TEST_CASE("clearing the forward field remembers its value's tag as removed on purpose",
          "[decide][tags]") {
  Driver d;
  d.policy.review = ReviewPolicy{};
  d.policy.review->groups = {120};
  d.policy.review->forward_field_id = 7001;
  RoutePolicy route;
  route.name = "billing";
  route.group = 101;
  route.assign = RouteAssign::kNone;
  d.policy.routes = {route};
  TicketSnapshot t = ticket(120, TicketStatus::kNew, kT0);
  d.on(event(EventKind::kCreated, t, kT0), kT0);
  TicketSnapshot chosen = d.state.ticket;
  chosen.custom_fields = {{7001, "Billing"}};
  TicketEvent e = event(EventKind::kCustomFieldChanged, chosen, kT0 + 1min);
  e.custom_field = CustomFieldValue{7001, "Billing"};
  const Decision& fwd = d.on(e, kT0 + 1min);
  REQUIRE(find_write(fwd, "forward") != nullptr);
  CHECK(std::find(d.state.own_removed_tags.begin(), d.state.own_removed_tags.end(), "billing") !=
        d.state.own_removed_tags.end());
  // The helpdesk drops the dropdown's tag with the field: not an agent's tag lost.
  const Decision& echo =
      d.on(tags_event(d.state.ticket, kT0 + 1min, kApiUser, {}, {"billing"}), kT0 + 1min + 1s);
  CHECK(find_write(echo, "restore_tags") == nullptr);
}

TEST_CASE("the memory of tags removed on purpose is bounded and survives the store's JSON",
          "[decide][tags]") {
  Driver d = escalated();
  for (int i = 0; i < 40; ++i) d.state.own_removed_tags.push_back("t" + std::to_string(i));
  // tier2's budget runs out: the move to tier3 removes tierd_tier2.
  const Decision& up = d.tick(kT0 + 45min);
  REQUIRE(find_write(up, "escalate") != nullptr);
  CHECK(d.state.own_removed_tags.size() == 32);
  CHECK(d.state.own_removed_tags.back() == "tierd_tier2");
  auto back = ticket_state_from_json(to_json(d.state));
  REQUIRE(back.ok());
  CHECK(back->own_removed_tags == d.state.own_removed_tags);
}
