// End to end: review-and-forward over a helpdesk simulator and a real tierd.
// Tickets arrive in the review group (114000, reviewer 500777), reviewers
// forward by tag or by the forward field, routes assign agents, the review
// budget sends overdue tickets to the leads (114009). The scenarios run
// against zendesk-sim and freshdesk-sim alike unless they say why not.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <csignal>
#include <thread>

#include "support/any_vendor.h"
#include "support/live_stack.h"
#include "support/process_harness.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr int64_t kReviewGroup = 114000;
constexpr int64_t kReviewer = 500777;

// A reviewer's forward tag is a change of tags alone: on Freshdesk it
// reaches tierd through the reconciler, run every second here.
LiveStackOptions review_options(Vendor vendor, const std::string& review_budget = "10m") {
  LiveStackOptions o;
  o.vendor = vendor;
  o.extra_config = json::parse(R"({
    "review": {"groups": [114000], "reviewers": [500777], "assign_reviewer": true,
               "forward_field_id": 360001, "lead_group": 114009},
    "routes": [
      {"name": "billing", "group": 114001, "agents": [500120, 500121], "assign": "round_robin"},
      {"name": "setup", "group": 114002, "agents": [500122, 500123], "assign": "least_open"},
      {"name": "integrations", "group": 114002, "agents": [500122, 500123], "assign": "skills",
       "skills": {"500122": ["api"], "500123": ["sso"]}}
    ],
    "routing_rules": [
      {"name": "invoices", "when": {"keywords": ["invoice"]}, "route": "billing", "action": "forward"}
    ],
    "availability": {"away_user_tag": "tierd_away", "refresh": "1s"}
  })");
  o.extra_config["review"]["escalate_after"] = review_budget;
  hear_tag_only_changes(o);
  return o;
}

bool has_tag(const json& ticket, const std::string& tag) {
  for (const auto& t : ticket.at("tags")) {
    if (t.get<std::string>() == tag) return true;
  }
  return false;
}

int64_t id_or_zero(const json& v) {
  return v.is_null() ? 0 : v.get<int64_t>();
}

bool any_note_contains(LiveStack& stack, int64_t id, const std::string& text) {
  for (const auto& note : stack.tierd_notes(id)) {
    if (note.find(text) != std::string::npos) return true;
  }
  return false;
}

// Waits for a note of tierd's containing `text`. On Freshdesk the private
// note is written last, after the ticket update and the watchers.
bool note_arrives(LiveStack& stack, int64_t id, const std::string& text) {
  if (LiveStack::eventually([&] { return any_note_contains(stack, id, text); }, 5s)) return true;
  for (const auto& note : stack.tierd_notes(id)) UNSCOPED_INFO("note: " << note);
  return false;
}

// A ticket that has arrived in review: tagged and given to the reviewer.
int64_t reviewed_ticket(LiveStack& stack, json fields = json::object()) {
  fields["subject"] = fields.value("subject", std::string("Something is wrong"));
  fields["group_id"] = kReviewGroup;
  fields["status"] = "new";
  int64_t id = stack.create_ticket(fields);
  REQUIRE(LiveStack::eventually(
      [&] {
        json t = stack.ticket(id);
        return has_tag(t, "tierd_review") && id_or_zero(t.at("assignee_id")) == kReviewer;
      },
      10s));
  return id;
}

void forward_by_tag(LiveStack& stack, int64_t id, const std::string& route) {
  stack.agent_update(id, {{"additional_tags", {"tierd_forward_" + route}}}, kReviewer);
}

// Waits until the ticket left review for `group` and returns its assignee (0: none).
int64_t forwarded_assignee(LiveStack& stack, int64_t id, int64_t group) {
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(id) == group; }, 15s));
  return id_or_zero(stack.ticket(id).at("assignee_id"));
}

void set_user_tags(LiveStack& stack, int64_t user, const json& tags) {
  stack.sim("POST", "/sim/users",
            {{"users",
              {{{"id", user},
                {"name", "Agent " + std::to_string(user)},
                {"role", "agent"},
                {"tags", tags}}}}});
}

std::string metrics(LiveStack& stack) {
  httplib::Client client("127.0.0.1", stack.tierd_port());
  auto res = client.Get("/metrics");
  return res && res->status == 200 ? res->body : "";
}

}  // namespace

TEST_CASE(
    "tickets arriving in review get the review tag and a reviewer - a forward rule skips review",
    "[integration][review]") {
  LiveStack stack(review_options(any_vendor()));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t id = reviewed_ticket(stack);
  CHECK(stack.group_of(id) == kReviewGroup);

  // Zendesk-only: Freshdesk's rule body carries no subject (its placeholders
  // are pasted unescaped, so free text would break the JSON), so a keyword
  // rule has nothing to match when the ticket arrives.
  if (stack.vendor() != Vendor::kZendesk) return;
  int64_t invoice = stack.create_ticket(
      {{"subject", "Wrong invoice total"}, {"group_id", kReviewGroup}, {"status", "new"}});
  CHECK(forwarded_assignee(stack, invoice, 114001) == 500120);
  json t = stack.ticket(invoice);
  CHECK_FALSE(has_tag(t, "tierd_review"));
  CHECK(note_arrives(stack, invoice, "by the routing rule invoices"));
}

TEST_CASE("a reviewer forwards by tag - the agent gets it and the tier clock escalates it later",
          "[integration][review]") {
  LiveStack stack(review_options(any_vendor()));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t id = reviewed_ticket(stack);
  forward_by_tag(stack, id, "billing");
  CHECK(forwarded_assignee(stack, id, 114001) == 500120);
  json t = stack.ticket(id);
  CHECK_FALSE(has_tag(t, "tierd_review"));
  CHECK_FALSE(has_tag(t, "tierd_forward_billing"));
  CHECK(has_tag(t, "tierd_tier1"));
  // Freshdesk tells no one who changed a ticket: its note names no reviewer.
  CHECK(note_arrives(stack, id,
                     stack.vendor() == Vendor::kZendesk
                         ? "Forwarded to the route billing by reviewer user 500777"
                         : "Forwarded to the route billing by reviewer an agent"));

  // tier1's budget is 2 s in the test stack: the forwarded ticket moves on to tier 2.
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(id) == 114002; }, 10s));
  CHECK(note_arrives(stack, id, "Escalated from tier1 to tier2"));
}

TEST_CASE("a reviewer forwards with the forward field", "[integration][review]") {
  // Zendesk-only: tierd reads numbered custom fields, and Freshdesk's are keyed by name.
  LiveStack stack(review_options(Vendor::kZendesk));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t id = reviewed_ticket(stack);
  stack.agent_update(id, {{"custom_fields", {{{"id", 360001}, {"value", "setup"}}}}}, kReviewer);
  CHECK(forwarded_assignee(stack, id, 114002) == 500122);
  CHECK_FALSE(has_tag(stack.ticket(id), "tierd_review"));
  CHECK(note_arrives(stack, id, "Forwarded to the route setup by reviewer user 500777"));
  // The consumed field is emptied, so the ticket's form shows no stale route.
  bool cleared = false;
  for (const auto& f : stack.ticket(id).value("custom_fields", json::array())) {
    if (f.value("id", int64_t{0}) == 360001) cleared = f.at("value").is_null();
  }
  CHECK(cleared);
}

TEST_CASE("round-robin continues where it stopped across restarts of tierd",
          "[integration][review]") {
  LiveStack stack(review_options(any_vendor()));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t a = reviewed_ticket(stack);
  forward_by_tag(stack, a, "billing");
  CHECK(forwarded_assignee(stack, a, 114001) == 500120);

  stack.stop_tierd(SIGTERM);
  stack.start_tierd();
  int64_t b = reviewed_ticket(stack);
  forward_by_tag(stack, b, "billing");
  CHECK(forwarded_assignee(stack, b, 114001) == 500121);

  stack.stop_tierd(SIGKILL);
  stack.start_tierd();
  int64_t c = reviewed_ticket(stack);
  forward_by_tag(stack, c, "billing");
  CHECK(forwarded_assignee(stack, c, 114001) == 500120);
}

TEST_CASE("least_open picks the agent with fewer open tickets - skills match ticket tags",
          "[integration][review]") {
  LiveStack stack(review_options(any_vendor()));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  // 500122 already holds an open (pending) ticket in tierd's mirror.
  int64_t busy = stack.create_ticket({{"subject", "Earlier work"},
                                      {"group_id", 114002},
                                      {"status", "pending"},
                                      {"assignee_id", 500122}});
  REQUIRE(LiveStack::eventually(
      [&] { return stack.sim("GET", "/sim/webhooks").at("deliveries").size() >= 1; }, 5s));
  (void)busy;

  int64_t setup = reviewed_ticket(stack);
  forward_by_tag(stack, setup, "setup");
  CHECK(forwarded_assignee(stack, setup, 114002) == 500123);

  int64_t sso = reviewed_ticket(stack, {{"tags", {"sso"}}});
  forward_by_tag(stack, sso, "integrations");
  CHECK(forwarded_assignee(stack, sso, 114002) == 500123);

  int64_t api = reviewed_ticket(stack, {{"tags", {"api"}}});
  forward_by_tag(stack, api, "integrations");
  CHECK(forwarded_assignee(stack, api, 114002) == 500122);
}

TEST_CASE(
    "agents marked away are skipped - with nobody available the ticket lands unassigned and is "
    "counted",
    "[integration][review]") {
  // Zendesk-only: away is a user tag, and Freshdesk's agents carry no tags.
  LiveStack stack(review_options(Vendor::kZendesk));
  stack.start_sim();
  stack.seed_org();
  set_user_tags(stack, 500120, {"tierd_away"});
  stack.start_tierd();
  int64_t a = reviewed_ticket(stack);
  forward_by_tag(stack, a, "billing");
  CHECK(forwarded_assignee(stack, a, 114001) == 500121);

  set_user_tags(stack, 500121, {"tierd_away"});
  std::this_thread::sleep_for(2500ms);  // availability.refresh is 1 s
  int64_t b = reviewed_ticket(stack);
  forward_by_tag(stack, b, "billing");
  CHECK(forwarded_assignee(stack, b, 114001) == 0);
  CHECK(note_arrives(stack, b, "unassigned: no agent of the route is available"));
  CHECK(metrics(stack).find("tierd_unassigned_forwards_total{route=\"billing\"} 1") !=
        std::string::npos);
}

TEST_CASE("a forward to an unknown route gets a note and the ticket stays in review",
          "[integration][review]") {
  LiveStack stack(review_options(any_vendor()));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t id = reviewed_ticket(stack);
  forward_by_tag(stack, id, "nowhere");
  REQUIRE(LiveStack::eventually(
      [&] { return any_note_contains(stack, id, "no route named \"nowhere\""); }, 15s));
  REQUIRE(LiveStack::eventually([&] { return !has_tag(stack.ticket(id), "tierd_forward_nowhere"); },
                                10s));
  json t = stack.ticket(id);
  CHECK(id_or_zero(t.at("group_id")) == kReviewGroup);
  CHECK(has_tag(t, "tierd_review"));
}

TEST_CASE("a ticket left in review past its budget goes to the review leads",
          "[integration][review]") {
  LiveStack stack(review_options(any_vendor(), "2s"));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t id = reviewed_ticket(stack);
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(id) == 114009; }, 10s));
  json t = stack.ticket(id);
  CHECK_FALSE(has_tag(t, "tierd_review"));
  CHECK_FALSE(has_tag(t, "tierd_at_risk"));
  CHECK(t.at("assignee_id").is_null());
  CHECK(note_arrives(stack, id, "Moved to the review leads (group 114009)"));
}

TEST_CASE("a route added by a reload finds its agents without waiting for the next refresh",
          "[integration][review][reload]") {
  LiveStackOptions options = review_options(any_vendor());
  options.extra_config["availability"]["refresh"] = "1h";
  LiveStack stack(options);
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();

  json config = json::parse(read_file(stack.config_path()));
  config["routes"].push_back(
      {{"name", "vip"}, {"group", 114003}, {"agents", {500124}}, {"assign", "round_robin"}});
  write_file(stack.config_path(), config.dump(2));
  stack.signal_tierd(SIGHUP);
  REQUIRE(LiveStack::eventually(
      [&] { return stack.tierd_log().find("reload: applied") != std::string::npos; }, 5s));

  int64_t id = reviewed_ticket(stack);
  // The group of the new route was read at the reload: its agent is available.
  forward_by_tag(stack, id, "vip");
  CHECK(forwarded_assignee(stack, id, 114003) == 500124);
}
