#include <catch2/catch.hpp>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "freshdesk/setup_plan.h"

using namespace tierd;
using namespace tierd::freshdesk;
using nlohmann::json;

namespace {

constexpr const char* kUrl = "https://tierd.acme.example/webhooks/freshdesk";
constexpr const char* kSecret = "s3cret-value-for-the-rule";
constexpr UserId kTierdAgent = 43000000001;

json base_config() {
  return json::parse(R"({
    "public_url": "https://tierd.acme.example/",
    "store": {"sqlite": {"path": "tierd.db"}},
    "freshdesk": {"base_url": "https://acme.freshdesk.com"},
    "tiers": [{"name": "t1", "groups": [11], "escalate_after": "1h"},
              {"name": "t2", "groups": [12]}],
    "review": {"groups": [10], "reviewers": [501]},
    "routes": [{"name": "billing", "group": 12, "agents": [502]}]
  })");
}

Config config_from(const json& doc) {
  auto config = parse_config(doc.dump(), "test.json");
  INFO(config.status().to_string());
  REQUIRE(config.ok());
  return *config;
}

FreshdeskAccountFacts complete_facts() {
  FreshdeskAccountFacts f;
  f.api_agent = {kTierdAgent, "tierd", "agent", true, {}};
  f.groups = {{10, "Review"}, {11, "Tier 1"}, {12, "Tier 2"}};
  f.agents = {{501, "Dana"}, {502, "Eli"}};
  f.all_agents = {{502, "Eli"}, {kTierdAgent, "tierd"}, {501, "Dana"}};
  f.creation_rules = std::vector<json>{};
  f.update_rules = std::vector<json>{};
  return f;
}

// The rules as the account would answer once setup created them.
void with_rules_in_place(FreshdeskAccountFacts& f) {
  json creation = setup_rule(kTicketCreationRules, kUrl, kSecret, {501, 502});
  creation["id"] = 7;
  json update = setup_rule(kTicketUpdateRules, kUrl, kSecret, {501, 502});
  update["id"] = 8;
  f.creation_rules = std::vector<json>{creation};
  f.update_rules = std::vector<json>{update};
}

bool has_check(const FreshdeskSetupPlan& plan, CheckLevel level, const std::string& text) {
  return std::any_of(plan.checks.begin(), plan.checks.end(), [&](const SetupCheck& c) {
    return c.level == level && c.text.find(text) != std::string::npos;
  });
}

}  // namespace

TEST_CASE("an account without tierd's rules plans both, the update rule without tierd's agent",
          "[freshdesk][setup]") {
  const auto plan =
      build_freshdesk_setup_plan(config_from(base_config()), complete_facts(), kSecret);
  CHECK(plan.problem_count() == 0);
  CHECK_FALSE(plan.manual);
  REQUIRE(plan.actions.size() == 2);
  const RuleAction& creation = plan.actions[0];
  CHECK(creation.type == kTicketCreationRules);
  CHECK_FALSE(creation.rule_id);
  CHECK(creation.body["name"] == "tierd: ticket creation");
  CHECK_FALSE(creation.body.contains("performer"));
  CHECK_FALSE(creation.body.contains("events"));
  const json& action = creation.body["actions"][0];
  CHECK(action["field_name"] == "trigger_webhook");
  CHECK(action["request_type"] == "POST");
  CHECK(action["url"] == kUrl);  // public_url's trailing slash dropped
  CHECK(action["content_type"] == "JSON");
  CHECK(action["custom_headers"]["X-Tierd-Webhook-Secret"] == kSecret);
  CHECK(action["content"]["source"] == "freshdesk_rule");
  CHECK(action["content"]["rule"] == "tierd: ticket creation");
  CHECK(action["content"]["ticket"]["group_id"] == "{{ticket.group.id}}");

  const RuleAction& update = plan.actions[1];
  CHECK(update.type == kTicketUpdateRules);
  CHECK(update.body["name"] == "tierd: ticket updates");
  CHECK(update.body["performer"] == json::parse(R"({"type": 1, "members": [501, 502]})"));
  CHECK(update.body["events"].size() == 4);
  CHECK(update.body["actions"][0]["content"]["rule"] == "tierd: ticket updates");
  for (const auto& a : plan.actions) {
    CHECK(a.summary.find(kSecret) == std::string::npos);
  }
  CHECK(freshdesk_setup_plan_json(plan).dump().find(kSecret) == std::string::npos);
}

TEST_CASE("rules as setup wants them are up to date", "[freshdesk][setup]") {
  auto facts = complete_facts();
  with_rules_in_place(facts);
  const auto plan = build_freshdesk_setup_plan(config_from(base_config()), facts, kSecret);
  CHECK(plan.actions.empty());
  CHECK(has_check(plan, CheckLevel::kOk, "rule \"tierd: ticket creation\" (id 7)"));
  CHECK(has_check(plan, CheckLevel::kOk, "rule \"tierd: ticket updates\" (id 8)"));
}

TEST_CASE("a rule whose content Freshdesk answers as text still compares equal",
          "[freshdesk][setup]") {
  auto facts = complete_facts();
  with_rules_in_place(facts);
  json& action = (*facts.creation_rules)[0]["actions"][0];
  action["content"] = action["content"].dump();
  CHECK(build_freshdesk_setup_plan(config_from(base_config()), facts, kSecret).actions.empty());
}

TEST_CASE("what changed in the config or the account plans an update of that rule",
          "[freshdesk][setup]") {
  auto facts = complete_facts();
  with_rules_in_place(facts);
  json doc = base_config();
  std::string expected;
  SECTION("public_url") {
    doc["public_url"] = "https://new.acme.example";
    expected = "url";
  }
  SECTION("the secret") {
    (*facts.update_rules)[0]["actions"][0]["custom_headers"]["X-Tierd-Webhook-Secret"] = "old";
    expected = "secret header";
  }
  SECTION("a new agent") {
    facts.all_agents[503] = "Fay";
    expected = "performer";
  }
  SECTION("a deactivated rule") {
    (*facts.update_rules)[0]["active"] = false;
    expected = "active";
  }
  SECTION("an edited body") {
    (*facts.update_rules)[0]["actions"][0]["content"]["ticket"].erase("updated_at");
    expected = "content";
  }
  const auto plan = build_freshdesk_setup_plan(config_from(doc), facts, kSecret);
  CHECK(plan.problem_count() == 0);
  bool saw_update_rule = false;
  for (const auto& a : plan.actions) {
    REQUIRE(a.rule_id);
    CHECK(a.summary.find(expected) != std::string::npos);
    if (a.type == kTicketUpdateRules) {
      saw_update_rule = true;
      CHECK(*a.rule_id == 8);
      CHECK(a.summary.rfind("update rule \"tierd: ticket updates\" (id 8): ", 0) == 0);
    }
  }
  CHECK(saw_update_rule);
  // public_url changes both rules; the rest only the update rule.
  CHECK(plan.actions.size() == (expected == "url" ? 2U : 1U));
}

TEST_CASE("rules named otherwise are left alone", "[freshdesk][setup]") {
  auto facts = complete_facts();
  json other = setup_rule(kTicketCreationRules, kUrl, kSecret, {});
  other["name"] = "Notify Slack";
  other["id"] = 3;
  facts.creation_rules = std::vector<json>{other};
  const auto plan = build_freshdesk_setup_plan(config_from(base_config()), facts, kSecret);
  REQUIRE(plan.actions.size() == 2);
  CHECK_FALSE(plan.actions[0].rule_id);
}

TEST_CASE("a missing group or agent is a problem naming its config path", "[freshdesk][setup]") {
  auto facts = complete_facts();
  facts.groups.erase(12);
  facts.agents.erase(501);
  const auto plan = build_freshdesk_setup_plan(config_from(base_config()), facts, kSecret);
  CHECK(plan.problem_count() == 3);
  CHECK(has_check(plan, CheckLevel::kProblem, "tiers[1].groups[0]: group 12 does not exist"));
  CHECK(has_check(plan, CheckLevel::kProblem, "routes[0].group: group 12 does not exist"));
  CHECK(has_check(plan, CheckLevel::kProblem, "review.reviewers[0]: agent 501 does not exist"));
  CHECK(has_check(plan, CheckLevel::kOk, "tiers[0].groups[0]: group 11 (Tier 1) exists"));
}

TEST_CASE("without public_url, or with tierd's agent alone, no rule can be planned",
          "[freshdesk][setup]") {
  auto facts = complete_facts();
  json doc = base_config();
  SECTION("no public_url") {
    doc.erase("public_url");
    const auto plan = build_freshdesk_setup_plan(config_from(doc), facts, kSecret);
    CHECK(has_check(plan, CheckLevel::kProblem, "public_url: not set"));
    CHECK(plan.actions.empty());
  }
  SECTION("only tierd's agent") {
    doc.erase("review");
    doc.erase("routes");
    facts.all_agents = {{kTierdAgent, "tierd"}};
    const auto plan = build_freshdesk_setup_plan(config_from(doc), facts, kSecret);
    CHECK(has_check(plan, CheckLevel::kProblem, "is the account's only agent"));
    CHECK(plan.actions.empty());
  }
}

TEST_CASE("rules that cannot be read turn into manual steps without the secret",
          "[freshdesk][setup]") {
  auto facts = complete_facts();
  facts.update_rules.reset();
  const Config config = config_from(base_config());
  const auto plan = build_freshdesk_setup_plan(config, facts, kSecret);
  CHECK(plan.manual);
  CHECK(plan.actions.empty());
  CHECK(plan.problem_count() == 0);
  const std::string steps =
      freshdesk_manual_steps(config, "the value of TIERD_WEBHOOK_SECRET", facts);
  CHECK(steps.find(kUrl) != std::string::npos);
  CHECK(steps.find("Dana (501), Eli (502)") != std::string::npos);
  CHECK(steps.find("\"rule\": \"tierd: ticket updates\"") != std::string::npos);
  CHECK(steps.find("X-Tierd-Webhook-Secret: <the value of TIERD_WEBHOOK_SECRET>") !=
        std::string::npos);
  CHECK(steps.find(kSecret) == std::string::npos);
}
