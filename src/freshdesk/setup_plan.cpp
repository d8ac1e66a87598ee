#include "freshdesk/setup_plan.h"

#include <algorithm>
#include <set>

#include "config/config_references.h"
#include "core/ticket.h"
#include "freshdesk/webhook_auth.h"
#include "freshdesk/webhook_payload.h"

namespace tierd::freshdesk {

using nlohmann::json;

namespace {

// The properties whose change fires the update rule: what tierd acts on.
constexpr std::string_view kWatchedFields[] = {"status", "priority", "group_id", "responder_id"};

std::string id_list(const std::vector<UserId>& ids) {
  std::string out;
  for (UserId id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
  return out;
}

// The action's content as a JSON value, whether the answer carries it as an
// object or as the text of one; discarded when it is neither.
json content_of(const json& action) {
  auto it = action.find("content");
  if (it == action.end()) return json();
  if (it->is_string()) return json::parse(it->get<std::string>(), nullptr, false);
  return *it;
}

const json* webhook_action(const json& rule) {
  auto actions = rule.find("actions");
  if (actions == rule.end() || !actions->is_array()) return nullptr;
  for (const auto& a : *actions) {
    if (a.is_object() && a.value("field_name", "") == "trigger_webhook") return &a;
  }
  return nullptr;
}

std::set<std::string> event_set(const json& rule) {
  std::set<std::string> out;
  auto events = rule.find("events");
  if (events == rule.end() || !events->is_array()) return out;
  for (const auto& e : *events) {
    if (!e.is_object()) continue;
    out.insert(e.value("field_name", "") + ":" + e.value("from", "") + ":" + e.value("to", ""));
  }
  return out;
}

std::set<int64_t> member_set(const json& rule) {
  std::set<int64_t> out;
  auto performer = rule.find("performer");
  if (performer == rule.end() || !performer->is_object()) return out;
  auto members = performer->find("members");
  if (members == performer->end() || !members->is_array()) return out;
  for (const auto& m : *members) {
    if (m.is_number_integer()) out.insert(m.get<int64_t>());
  }
  return out;
}

int performer_type(const json& rule) {
  auto performer = rule.find("performer");
  if (performer == rule.end() || !performer->is_object()) return 0;
  auto type = performer->find("type");
  return type != performer->end() && type->is_number_integer() ? type->get<int>() : 0;
}

std::string header_value(const json& action, std::string_view name) {
  auto headers = action.find("custom_headers");
  if (headers == action.end() || !headers->is_object()) return "";
  for (const auto& [key, value] : headers->items()) {
    if (ascii_lower(key) == ascii_lower(name) && value.is_string()) return value.get<std::string>();
  }
  return "";
}

// What differs between the rule the account has and the one setup wants,
// by name ("url", "secret header", ...); empty when it is up to date.
std::vector<std::string> differences(const json& have, const json& want) {
  std::vector<std::string> out;
  if (have.value("active", false) != true) out.push_back("active");
  if (want.contains("performer")) {
    if (performer_type(have) != performer_type(want) || member_set(have) != member_set(want)) {
      out.push_back("performer");
    }
    if (event_set(have) != event_set(want)) out.push_back("events");
  }
  const json* have_action = webhook_action(have);
  const json& want_action = want["actions"][0];
  if (!have_action) {
    out.push_back("webhook action");
    return out;
  }
  for (const char* key : {"request_type", "url", "content_type", "content_layout"}) {
    if (have_action->value(key, json()) != want_action[key]) out.push_back(key);
  }
  if (header_value(*have_action, kSecretHeader) != want_action["custom_headers"][kSecretHeader]) {
    out.push_back("secret header");
  }
  if (content_of(*have_action) != want_action["content"]) out.push_back("content");
  return out;
}

// The agents whose updates fire the update rule: all but tierd's own, sorted.
std::vector<UserId> performers(const FreshdeskAccountFacts& facts) {
  std::vector<UserId> out;
  for (const auto& [id, name] : facts.all_agents) {
    if (id != facts.api_agent.id) out.push_back(id);
  }
  return out;
}

// " (Name)", or "" for a record without one.
std::string name_in_parens(const std::string& name) {
  return name.empty() ? "" : " (" + name + ")";
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

struct Planner {
  const Config& config;
  const FreshdeskAccountFacts& facts;
  const std::string& secret;
  FreshdeskSetupPlan plan;

  void ok(std::string text) { plan.checks.push_back({CheckLevel::kOk, std::move(text)}); }
  void note(std::string text) { plan.checks.push_back({CheckLevel::kNote, std::move(text)}); }
  void problem(std::string text) { plan.checks.push_back({CheckLevel::kProblem, std::move(text)}); }

  void check_api_agent() {
    const UserInfo& me = facts.api_agent;
    ok("freshdesk.api_key: belongs to agent " + std::to_string(me.id) + name_in_parens(me.name) +
       "; tierd writes as this agent");
  }

  void check_group(const std::string& path, GroupId id) {
    auto it = facts.groups.find(id);
    if (it == facts.groups.end()) {
      problem(path + ": group " + std::to_string(id) + " does not exist");
    } else {
      ok(path + ": group " + std::to_string(id) + name_in_parens(it->second) + " exists");
    }
  }

  void check_agent(const std::string& path, UserId id) {
    auto it = facts.agents.find(id);
    if (it == facts.agents.end()) {
      problem(path + ": agent " + std::to_string(id) + " does not exist");
    } else {
      ok(path + ": agent " + std::to_string(id) + name_in_parens(it->second) + " exists");
    }
  }

  void check_references() {
    for (const ConfigReference& r : config_references(config)) {
      if (r.kind == ConfigReference::Kind::kGroup) {
        check_group(r.path, r.id);
      } else {
        check_agent(r.path, r.id);
      }
    }
  }

  void plan_rule(int type, std::string_view name, const std::vector<json>& existing,
                 const std::string& url, const std::vector<UserId>& members) {
    const json want = setup_rule(type, url, secret, members);
    const std::string label = "rule \"" + std::string(name) + "\"";
    const json* ours = nullptr;
    for (const auto& r : existing) {
      if (r.is_object() && r.value("name", "") == name) {
        if (ours) {
          note(label + ": more than one rule has this name; setup keeps rule " +
               std::to_string((*ours).value("id", int64_t{0})) + " and leaves the others alone");
          break;
        }
        ours = &r;
      }
    }
    if (!ours) {
      RuleAction a;
      a.type = type;
      a.body = want;
      a.summary = "create " + label + " (automation type " + std::to_string(type) + "): POST " +
                  url + " with the secret header" +
                  (type == kTicketUpdateRules
                       ? ", on changes of status, priority, group and agent made by agents " +
                             id_list(members)
                       : "");
      plan.actions.push_back(std::move(a));
      return;
    }
    const int64_t id = ours->value("id", int64_t{0});
    const std::vector<std::string> differs = differences(*ours, want);
    if (differs.empty()) {
      ok(label + " (id " + std::to_string(id) + ") -> " + url + " is up to date");
      return;
    }
    RuleAction a;
    a.type = type;
    a.rule_id = id;
    a.body = want;
    a.summary = "update " + label + " (id " + std::to_string(id) + "): " + joined(differs);
    plan.actions.push_back(std::move(a));
  }

  void plan_rules() {
    const std::string url = setup_rule_url(config);
    if (url.empty()) {
      problem("public_url: not set; setup cannot point the rules' webhook at tierd without it");
      return;
    }
    const std::vector<UserId> members = performers(facts);
    if (members.empty()) {
      problem("freshdesk.api_key: agent " + std::to_string(facts.api_agent.id) +
              " is the account's only agent; the update rule fires for the agents it names, "
              "and naming tierd's own agent would send tierd its own writes");
      return;
    }
    if (!facts.creation_rules || !facts.update_rules) {
      plan.manual = true;
      note(
          "automation rules: the API key's agent may not read them (Freshdesk lets admins "
          "manage automations); create the two rules by hand as shown below, or run setup "
          "with an admin's key");
      return;
    }
    plan_rule(kTicketCreationRules, kCreationRuleName, *facts.creation_rules, url, members);
    plan_rule(kTicketUpdateRules, kUpdateRuleName, *facts.update_rules, url, members);
  }
};

}  // namespace

std::string setup_rule_url(const Config& config) {
  if (config.public_url.empty()) return "";
  std::string base = config.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + std::string(kWebhookPath);
}

json setup_rule_content(std::string_view rule_name) {
  // Every placeholder quoted: Freshdesk pastes values in as plain text.
  return {{"source", std::string(kRuleSource)},
          {"rule", std::string(rule_name)},
          {"event", "{{triggered_event}}"},
          {"ticket",
           {{"id", "{{ticket.id}}"},
            {"status", "{{ticket.status}}"},
            {"priority", "{{ticket.priority}}"},
            {"group_id", "{{ticket.group.id}}"},
            {"responder_id", "{{ticket.agent.id}}"},
            {"tags", "{{ticket.tags}}"},
            {"source", "{{ticket.source}}"},
            {"updated_at", "{{ticket.updated_at}}"}}}};
}

json setup_rule(int type, const std::string& url, const std::string& secret,
                const std::vector<UserId>& performers) {
  const std::string_view name = type == kTicketUpdateRules ? kUpdateRuleName : kCreationRuleName;
  // The trigger_webhook action's keys, flat: Freshdesk's rule schema nests
  // content_type and content_layout under "content", while integrations
  // that create webhook rules in production send them beside "content",
  // with "content" the body object and layout "2" (Advanced). The flat
  // shape is the one seen working.
  json action = {{"field_name", "trigger_webhook"},
                 {"request_type", "POST"},
                 {"url", url},
                 {"content_type", "JSON"},
                 {"content_layout", "2"},
                 {"custom_headers", {{std::string(kSecretHeader), secret}}},
                 {"content", setup_rule_content(name)}};
  json rule = {{"name", std::string(name)}, {"active", true}, {"actions", json::array({action})}};
  if (type == kTicketUpdateRules) {
    // Performer type 1 (Agent) with members: see the header for why.
    rule["performer"] = {{"type", 1}, {"members", performers}};
    json events = json::array();
    for (std::string_view field : kWatchedFields) {
      events.push_back({{"field_name", std::string(field)}, {"from", "--"}, {"to", "--"}});
    }
    rule["events"] = std::move(events);
  }
  return rule;
}

size_t FreshdeskSetupPlan::problem_count() const {
  return tierd::problem_count(checks);
}

FreshdeskSetupPlan build_freshdesk_setup_plan(const Config& config,
                                              const FreshdeskAccountFacts& facts,
                                              const std::string& secret) {
  Planner p{config, facts, secret, {}};
  p.check_api_agent();
  p.check_references();
  p.plan_rules();
  return std::move(p.plan);
}

std::string freshdesk_manual_steps(const Config& config, const std::string& secret_source,
                                   const FreshdeskAccountFacts& facts) {
  const std::string url = setup_rule_url(config);
  std::string agents;
  for (UserId id : performers(facts)) {
    const std::string& name = facts.all_agents.at(id);
    agents += (agents.empty() ? "" : ", ") +
              (name.empty() ? std::to_string(id) : name + " (" + std::to_string(id) + ")");
  }
  std::string out =
      "Create the two rules in Freshdesk (Admin > Workflows > Automations):\n"
      "  1. Tab \"Ticket Creation\": New rule, named \"" +
      std::string(kCreationRuleName) +
      "\". Conditions: none (every ticket).\n"
      "  2. Tab \"Ticket Updates\": New rule, named \"" +
      std::string(kUpdateRuleName) +
      "\". \"When an action performed by\": Agent, and pick these agents (everyone but "
      "tierd's own): " +
      agents +
      ". \"Involves any of these events\": Status is changed, Priority is changed, Group is "
      "changed, Agent is changed (each from Any to Any).\n"
      "  3. In each rule, action \"Trigger webhook\": Request type POST; URL " +
      url + "; tick \"Custom headers\" and enter X-Tierd-Webhook-Secret: <" + secret_source +
      ">; Encoding JSON; Content \"Advanced\", and paste that rule's body below.\n"
      "  4. Save each rule and keep it active.\n";
  for (std::string_view name : {kCreationRuleName, kUpdateRuleName}) {
    out += "Body of \"" + std::string(name) + "\":\n" + setup_rule_content(name).dump(2) + "\n";
  }
  return out;
}

json freshdesk_setup_plan_json(const FreshdeskSetupPlan& plan) {
  json actions = json::array();
  for (const auto& a : plan.actions) {
    actions.push_back(
        {{"action", a.rule_id ? "update_rule" : "create_rule"}, {"summary", a.summary}});
  }
  return {{"checks", checks_json(plan.checks)},
          {"actions", actions},
          {"manual", plan.manual},
          {"problems", plan.problem_count()}};
}

}  // namespace tierd::freshdesk
