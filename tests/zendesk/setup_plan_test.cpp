#include <catch2/catch.hpp>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "zendesk/setup_plan.h"
#include "zendesk/webhook_payload.h"

using namespace tierd;
using nlohmann::json;
using zendesk::FieldOption;
using zendesk::TicketFieldInfo;
using zendesk::WebhookInfo;

namespace {

constexpr const char* kEndpoint = "https://tierd.acme.example/webhooks/zendesk";

json base_config() {
  return json::parse(R"({
    "public_url": "https://tierd.acme.example",
    "store": {"sqlite": {"path": "tierd.db"}},
    "zendesk": {"base_url": "https://acme.zendesk.com", "email": "api@acme.example"},
    "tiers": [{"name": "t1", "groups": [114001], "escalate_after": "1h"},
              {"name": "t2", "groups": [114002]}],
    "review": {"groups": [114000], "reviewers": [500777]},
    "routes": [{"name": "billing", "group": 114002, "agents": [500120]},
               {"name": "tech", "group": 114001, "agents": [500121]}],
    "calendars": {"office": {"timezone": "UTC", "hours": {"mon": ["09:00-17:00"]}}},
    "availability": {"schedules": {"500122": "office"}}
  })");
}

Config config_from(const json& doc) {
  auto config = parse_config(doc.dump(), "test.json");
  INFO(config.status().to_string());
  REQUIRE(config.ok());
  return *config;
}

UserInfo user(UserId id, std::string role = "agent", bool active = true) {
  return UserInfo{id, "User " + std::to_string(id), std::move(role), active, {}};
}

WebhookInfo our_webhook() {
  WebhookInfo w;
  w.id = "01HWEBHOOK0000000000000001";
  w.name = "tierd";
  w.status = "active";
  w.endpoint = kEndpoint;
  w.http_method = "POST";
  w.request_format = "json";
  w.subscriptions = setup_webhook_subscriptions();
  return w;
}

// An account where everything the base config names exists and tierd's
// webhook and forward field are in place.
AccountFacts good_facts() {
  AccountFacts f;
  f.api_user = UserInfo{400001, "API", "admin", true, {}};
  f.groups = {{114000, "Review"}, {114001, "Tier 1"}, {114002, "Tier 2"}};
  f.users = {user(500777), user(500120), user(500121), user(500122, "admin")};
  f.forward_field =
      TicketFieldInfo{360010000001,
                      "tagger",
                      std::string(kForwardFieldTitle),
                      true,
                      {{1, "billing", "tierd_forward_billing"}, {2, "tech", "tierd_forward_tech"}}};
  f.webhooks = std::vector<WebhookInfo>{our_webhook()};
  return f;
}

bool has_check(const SetupPlan& plan, CheckLevel level, const std::string& text) {
  return std::any_of(plan.checks.begin(), plan.checks.end(), [&](const SetupCheck& c) {
    return c.level == level && c.text.find(text) != std::string::npos;
  });
}

std::string all_checks(const SetupPlan& plan) {
  std::string out;
  for (const auto& c : plan.checks)
    out += std::string(check_level_name(c.level)) + " " + c.text + "\n";
  return out;
}

const SetupAction* find_action(const SetupPlan& plan, SetupActionKind kind) {
  for (const auto& a : plan.actions) {
    if (a.kind == kind) return &a;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("the webhook subscribes to every ticket event type tierd acts on", "[setup_plan]") {
  const auto& types = setup_webhook_subscriptions();
  CHECK(types.size() == 14);
  CHECK(std::is_sorted(types.begin(), types.end()));
  for (const auto& type : types) {
    INFO(type);
    json body = {{"type", type},
                 {"id", "evt-1"},
                 {"time", "2025-03-10T09:22:41Z"},
                 {"subject", "zen:ticket:48213"},
                 {"detail", {{"id", "48213"}, {"status", "OPEN"}}},
                 {"event", json::object()}};
    auto parsed = zendesk::parse_webhook_delivery(body.dump(), {});
    REQUIRE(parsed.ok());
    REQUIRE(parsed->outcome == DeliveryOutcome::kTicketEvent);
    CHECK(parsed->event->kind != EventKind::kOtherChange);
    CHECK(parsed->event->kind != EventKind::kUnknown);
  }
  // Changes tierd ignores are not subscribed to.
  CHECK(std::find(types.begin(), types.end(), "zen:event-type:ticket.subject_changed") ==
        types.end());
}

TEST_CASE("an account already in line needs no actions", "[setup_plan]") {
  const SetupPlan plan = build_setup_plan(config_from(base_config()), good_facts());
  INFO(all_checks(plan));
  CHECK(plan.problem_count() == 0);
  CHECK(plan.actions.empty());
  REQUIRE(plan.webhook_id);
  CHECK(*plan.webhook_id == "01HWEBHOOK0000000000000001");
  CHECK(has_check(plan, CheckLevel::kOk, "tiers[1].groups[0]: group 114002 (Tier 2) exists"));
  CHECK(has_check(plan, CheckLevel::kOk, "is up to date"));
  // The field exists without forward_field_id in the config: the admin is told its id.
  CHECK(has_check(plan, CheckLevel::kNote, "\"forward_field_id\": 360010000001"));
}

TEST_CASE("a new account gets the webhook and the forward field created", "[setup_plan]") {
  AccountFacts facts = good_facts();
  facts.forward_field.reset();
  facts.webhooks = std::vector<WebhookInfo>{};
  const SetupPlan plan = build_setup_plan(config_from(base_config()), facts);
  CHECK(plan.problem_count() == 0);
  CHECK_FALSE(plan.webhook_id);
  REQUIRE(plan.actions.size() == 2);
  const SetupAction* field = find_action(plan, SetupActionKind::kCreateForwardField);
  REQUIRE(field);
  CHECK(field->options == std::vector<FieldOption>{{0, "billing", "tierd_forward_billing"},
                                                   {0, "tech", "tierd_forward_tech"}});
  const SetupAction* hook = find_action(plan, SetupActionKind::kCreateWebhook);
  REQUIRE(hook);
  CHECK(hook->webhook.name == "tierd");
  CHECK(hook->webhook.endpoint == kEndpoint);
  CHECK(hook->webhook.http_method == "POST");
  CHECK(hook->webhook.request_format == "json");
  CHECK(hook->webhook.status == "active");
  CHECK(hook->webhook.subscriptions == setup_webhook_subscriptions());
  const json j = setup_plan_json(plan);
  CHECK(j["actions"].size() == 2);
  CHECK(j["problems"] == 0);
}

TEST_CASE("missing groups are problems naming the config path", "[setup_plan]") {
  AccountFacts facts = good_facts();
  facts.groups.erase(114002);
  const SetupPlan plan = build_setup_plan(config_from(base_config()), facts);
  CHECK(plan.problem_count() == 2);
  CHECK(has_check(plan, CheckLevel::kProblem, "tiers[1].groups[0]: group 114002 does not exist"));
  CHECK(has_check(plan, CheckLevel::kProblem, "routes[0].group: group 114002 does not exist"));
}

TEST_CASE("review groups and the lead group are checked", "[setup_plan]") {
  json doc = base_config();
  doc["review"]["lead_group"] = 114009;
  const SetupPlan plan = build_setup_plan(config_from(doc), good_facts());
  CHECK(has_check(plan, CheckLevel::kOk, "review.groups[0]: group 114000 (Review) exists"));
  CHECK(has_check(plan, CheckLevel::kProblem, "review.lead_group: group 114009 does not exist"));
}

TEST_CASE("configured users must exist, be active and be agents", "[setup_plan]") {
  AccountFacts facts = good_facts();
  facts.users = {user(500777, "end-user"), user(500120, "agent", false), user(500122)};
  const SetupPlan plan = build_setup_plan(config_from(base_config()), facts);
  INFO(all_checks(plan));
  CHECK(plan.problem_count() == 3);
  CHECK(has_check(plan, CheckLevel::kProblem,
                  "review.reviewers[0]: user 500777 (User 500777) is an end user, not an agent"));
  CHECK(has_check(plan, CheckLevel::kProblem,
                  "routes[0].agents[0]: user 500120 (User 500120) is not active"));
  CHECK(has_check(plan, CheckLevel::kProblem, "routes[1].agents[0]: user 500121 does not exist"));
  CHECK(has_check(plan, CheckLevel::kOk, "availability.schedules.500122: user 500122"));
}

TEST_CASE("a scheduled user who does not exist is a problem", "[setup_plan]") {
  AccountFacts facts = good_facts();
  facts.users.pop_back();
  const SetupPlan plan = build_setup_plan(config_from(base_config()), facts);
  CHECK(plan.problem_count() == 1);
  CHECK(has_check(plan, CheckLevel::kProblem, "500122 does not exist"));
}

TEST_CASE("the API user must be an active admin", "[setup_plan]") {
  AccountFacts facts = good_facts();
  facts.webhooks.reset();  // a non-admin cannot list them
  SECTION("an agent can edit tickets but not manage webhooks") {
    facts.api_user.role = "agent";
    const SetupPlan plan = build_setup_plan(config_from(base_config()), facts);
    CHECK(plan.problem_count() == 1);
    CHECK(has_check(plan, CheckLevel::kProblem,
                    "zendesk.email: the API user API (id 400001, "
                    "role agent) is not an admin"));
    CHECK(plan.actions.empty());
  }
  SECTION("an end user cannot edit tickets") {
    facts.api_user.role = "end-user";
    const SetupPlan plan = build_setup_plan(config_from(base_config()), facts);
    CHECK(has_check(plan, CheckLevel::kProblem, "cannot edit tickets"));
  }
  SECTION("a suspended admin") {
    facts.api_user.active = false;
    const SetupPlan plan = build_setup_plan(config_from(base_config()), facts);
    CHECK(has_check(plan, CheckLevel::kProblem, "is not active"));
  }
}

TEST_CASE("zendesk.api_user_id must be the API user", "[setup_plan]") {
  json doc = base_config();
  doc["zendesk"]["api_user_id"] = 400002;
  const SetupPlan plan = build_setup_plan(config_from(doc), good_facts());
  CHECK(has_check(plan, CheckLevel::kProblem,
                  "zendesk.api_user_id: 400002 is not the API user (400001)"));
}

TEST_CASE("without public_url no webhook can be made", "[setup_plan]") {
  json doc = base_config();
  doc.erase("public_url");
  AccountFacts facts = good_facts();
  facts.webhooks = std::vector<WebhookInfo>{};
  const SetupPlan plan = build_setup_plan(config_from(doc), facts);
  CHECK(has_check(plan, CheckLevel::kProblem, "public_url: not set"));
  CHECK_FALSE(find_action(plan, SetupActionKind::kCreateWebhook));
  CHECK(setup_webhook_endpoint(config_from(doc)).empty());
}

TEST_CASE("the webhook endpoint is public_url plus the webhook path", "[setup_plan]") {
  json doc = base_config();
  doc["public_url"] = "https://tierd.acme.example/";
  CHECK(setup_webhook_endpoint(config_from(doc)) == kEndpoint);
}

TEST_CASE("our webhook is updated only in the fields that differ", "[setup_plan]") {
  AccountFacts facts = good_facts();
  WebhookInfo& w = (*facts.webhooks)[0];
  SECTION("subscriptions in another order are the same") {
    std::reverse(w.subscriptions.begin(), w.subscriptions.end());
    CHECK(build_setup_plan(config_from(base_config()), facts).actions.empty());
  }
  SECTION("an inactive webhook with a missing subscription") {
    w.status = "inactive";
    w.subscriptions.pop_back();
    w.name = "tierd production";
    const SetupPlan plan = build_setup_plan(config_from(base_config()), facts);
    REQUIRE(plan.actions.size() == 1);
    const SetupAction& a = plan.actions[0];
    CHECK(a.kind == SetupActionKind::kUpdateWebhook);
    CHECK(a.summary.find("status, subscriptions") != std::string::npos);
    CHECK(a.webhook.id == w.id);
    // Found by endpoint; the update names only what differs, so the admin's
    // name (and anything else) stays.
    CHECK(a.webhook.name.empty());
    CHECK(a.webhook.endpoint.empty());
    CHECK(a.webhook.description.empty());
    CHECK(a.webhook.status == "active");
    CHECK(a.webhook.subscriptions == setup_webhook_subscriptions());
  }
  SECTION("a webhook named tierd pointing elsewhere gets the new endpoint") {
    w.endpoint = "https://old-host.acme.example/webhooks/zendesk";
    const SetupPlan plan = build_setup_plan(config_from(base_config()), facts);
    REQUIRE(plan.actions.size() == 1);
    CHECK(plan.actions[0].kind == SetupActionKind::kUpdateWebhook);
    CHECK(plan.actions[0].summary.find(": endpoint") != std::string::npos);
    CHECK(plan.actions[0].webhook.endpoint == kEndpoint);
  }
  SECTION("a trigger-connected webhook at the same endpoint is not ours") {
    w.subscriptions = {"conditional_ticket_events"};
    const SetupPlan plan = build_setup_plan(config_from(base_config()), facts);
    REQUIRE(plan.actions.size() == 1);
    CHECK(plan.actions[0].kind == SetupActionKind::kCreateWebhook);
  }
  SECTION("other webhooks are left alone") {
    WebhookInfo other = w;
    other.id = "01HOTHER";
    other.name = "crm sync";
    other.endpoint = "https://crm.example/hook";
    facts.webhooks = std::vector<WebhookInfo>{other};
    const SetupPlan plan = build_setup_plan(config_from(base_config()), facts);
    REQUIRE(plan.actions.size() == 1);
    CHECK(plan.actions[0].kind == SetupActionKind::kCreateWebhook);
  }
}

TEST_CASE("a configured forward field must exist and be a dropdown", "[setup_plan]") {
  json doc = base_config();
  doc["review"]["forward_field_id"] = 360010000001;
  AccountFacts facts = good_facts();
  SECTION("in line") {
    const SetupPlan plan = build_setup_plan(config_from(doc), facts);
    CHECK(plan.problem_count() == 0);
    CHECK(plan.actions.empty());
    CHECK(has_check(plan, CheckLevel::kOk, "has an option for every route"));
  }
  SECTION("missing") {
    facts.forward_field.reset();
    const SetupPlan plan = build_setup_plan(config_from(doc), facts);
    CHECK(has_check(plan, CheckLevel::kProblem,
                    "review.forward_field_id: ticket field 360010000001 does not exist"));
    CHECK_FALSE(find_action(plan, SetupActionKind::kCreateForwardField));
  }
  SECTION("not a dropdown") {
    facts.forward_field->type = "text";
    const SetupPlan plan = build_setup_plan(config_from(doc), facts);
    CHECK(has_check(plan, CheckLevel::kProblem, "is a text field, not a dropdown"));
  }
  SECTION("inactive") {
    facts.forward_field->active = false;
    const SetupPlan plan = build_setup_plan(config_from(doc), facts);
    CHECK(has_check(plan, CheckLevel::kProblem, "is not active"));
  }
  SECTION("a route without an option gets one; existing options are kept") {
    facts.forward_field->options = {{7, "Billing team", "billing"}, {8, "Other", "other"}};
    const SetupPlan plan = build_setup_plan(config_from(doc), facts);
    REQUIRE(plan.actions.size() == 1);
    const SetupAction& a = plan.actions[0];
    CHECK(a.kind == SetupActionKind::kAddForwardOptions);
    CHECK(a.field_id == 360010000001);
    // "billing" names the route directly, which forward_request() accepts.
    CHECK(a.options == std::vector<FieldOption>{{7, "Billing team", "billing"},
                                                {8, "Other", "other"},
                                                {0, "tech", "tierd_forward_tech"}});
    CHECK(a.summary.find("tierd_forward_tech") != std::string::npos);
  }
}

TEST_CASE("a forward field found by title is not created again", "[setup_plan]") {
  AccountFacts facts = good_facts();
  facts.forward_field->options.pop_back();
  const SetupPlan plan = build_setup_plan(config_from(base_config()), facts);
  CHECK_FALSE(find_action(plan, SetupActionKind::kCreateForwardField));
  CHECK(find_action(plan, SetupActionKind::kAddForwardOptions));
  CHECK(plan.problem_count() == 0);
}

TEST_CASE("no forward field without review or without routes", "[setup_plan]") {
  AccountFacts facts = good_facts();
  facts.forward_field.reset();
  SECTION("no review") {
    json doc = base_config();
    doc.erase("review");
    const SetupPlan plan = build_setup_plan(config_from(doc), facts);
    CHECK(plan.actions.empty());
    CHECK_FALSE(has_check(plan, CheckLevel::kOk, "forward_field_id"));
  }
  SECTION("no routes") {
    json doc = base_config();
    doc.erase("routes");
    const SetupPlan plan = build_setup_plan(config_from(doc), facts);
    CHECK(plan.actions.empty());
    CHECK(has_check(plan, CheckLevel::kOk, "no forward field needed"));
  }
}

TEST_CASE("the ids to look up are every configured group and user once", "[setup_plan]") {
  const Config config = config_from(base_config());
  CHECK(configured_group_ids(config) == std::vector<GroupId>{114000, 114001, 114002});
  CHECK(configured_user_ids(config) == std::vector<UserId>{500120, 500121, 500122, 500777});
}
