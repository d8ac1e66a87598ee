#include "cli/setup_freshdesk.h"

#include <spdlog/spdlog.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/helpdesk_connection.h"
#include "cli/setup_report.h"
#include "freshdesk/api_client.h"
#include "freshdesk/setup_plan.h"
#include "zendesk/setup_plan.h"

namespace tierd {
namespace {

using freshdesk::FreshdeskAccountFacts;
using freshdesk::FreshdeskSetupPlan;
using nlohmann::json;

// An agent's name from GET /agents/{id}: the contact's, else "".
std::string agent_name(const json& agent) {
  auto contact = agent.find("contact");
  if (contact == agent.end() || !contact->is_object()) return "";
  auto name = contact->find("name");
  return name != contact->end() && name->is_string() ? name->get<std::string>() : "";
}

// Every agent of the account (id -> name), page by page.
Result<std::map<UserId, std::string>> all_agents(FreshdeskApiClient& client) {
  std::map<UserId, std::string> agents;
  for (int page = 1;; ++page) {
    auto answer =
        client.call("GET", "/api/v2/agents?per_page=100&page=" + std::to_string(page), nullptr);
    if (!answer.ok()) return answer.status();
    if (answer->body.is_array()) {
      for (const auto& a : answer->body) {
        if (a.is_object() && a.value("id", json()).is_number_integer()) {
          agents[a["id"].get<UserId>()] = agent_name(a);
        }
      }
    }
    if (!answer->has_next) return agents;
  }
}

// The rules of `type`; nullopt when the key's owner may not read them.
Result<std::optional<std::vector<json>>> rule_list(FreshdeskApiClient& client, int type) {
  std::vector<json> out;
  const std::string path = "/api/v2/automations/" + std::to_string(type) + "/rules";
  for (int page = 1;; ++page) {
    auto answer = client.call("GET", path + "?per_page=100&page=" + std::to_string(page), nullptr);
    if (!answer.ok()) {
      const StatusCode code = answer.status().code();
      if (code == StatusCode::kPermissionDenied || code == StatusCode::kNotFound) {
        spdlog::warn("event=setup_rules_unreadable type={} error=\"{}\"", type,
                     answer.status().message());
        return std::optional<std::vector<json>>();
      }
      return answer.status();
    }
    if (answer->body.is_array()) {
      for (const auto& r : answer->body) out.push_back(r);
    }
    if (!answer->has_next) return std::optional<std::vector<json>>(std::move(out));
  }
}

Result<FreshdeskAccountFacts> read_freshdesk_facts(const Config& config,
                                                   FreshdeskApiClient& client) {
  FreshdeskAccountFacts facts;
  auto me = client.current_user();
  if (!me.ok()) return me.status();
  facts.api_agent = *me;
  for (GroupId id : configured_group_ids(config)) {
    auto group = client.call("GET", "/api/v2/groups/" + std::to_string(id), nullptr);
    if (!group.ok() && group.status().code() == StatusCode::kNotFound) continue;
    if (!group.ok()) return group.status();
    facts.groups[id] = group->body.value("name", "");
  }
  for (UserId id : configured_user_ids(config)) {
    auto agent = client.call("GET", "/api/v2/agents/" + std::to_string(id), nullptr);
    if (!agent.ok() && agent.status().code() == StatusCode::kNotFound) continue;
    if (!agent.ok()) return agent.status();
    facts.agents[id] = agent_name(agent->body);
  }
  auto agents = all_agents(client);
  if (!agents.ok()) return agents.status();
  facts.all_agents = std::move(*agents);
  auto creation = rule_list(client, freshdesk::kTicketCreationRules);
  if (!creation.ok()) return creation.status();
  facts.creation_rules = std::move(*creation);
  auto updates = rule_list(client, freshdesk::kTicketUpdateRules);
  if (!updates.ok()) return updates.status();
  facts.update_rules = std::move(*updates);
  return facts;
}

std::string secret_source(const SecretSource& s) {
  if (!s.file.empty()) return "the content of " + s.file;
  return "the value of " + s.env;
}

// How to see a delivery arrive: Freshdesk has no test button for a rule.
std::string verify_step(const Config& config, const std::string& config_path) {
  return "verify: create a ticket in Freshdesk (or change one's group as an agent other than "
         "tierd's), then run `tierd explain --config " +
         config_path +
         " <ticket id>`: its timeline "
         "starts with \"received freshdesk_rule:...\", the delivery of \"" +
         std::string(freshdesk::kCreationRuleName) + "\" to " + freshdesk::setup_rule_url(config) +
         "; Freshdesk e-mails the admins when a delivery fails";
}

}  // namespace

int run_freshdesk_setup(const SetupOptions& options, const Config& config, const EnvLookup& getenv,
                        std::ostream& out, std::ostream& err) {
  Config only_freshdesk = config;
  only_freshdesk.admin.token = {};
  only_freshdesk.store.postgres.reset();
  auto secrets = load_secrets(only_freshdesk, getenv);
  if (!secrets.ok()) {
    err << "tierd setup: " << secrets.status().message() << "\n";
    return kSetupUsageError;
  }
  if (secrets->freshdesk_api_key.empty()) {
    err << "tierd setup: freshdesk: setup needs the API key (freshdesk.api_key_env or "
           "freshdesk.api_key_file)\n";
    return kSetupUsageError;
  }
  // Setup's requests draw from the account's budget like the daemon's.
  HelpdeskConnection connection = helpdesk_connection(config, *secrets);
  FreshdeskApiOptions api;
  api.base_url = config.freshdesk.base_url;
  api.api_key = secrets->freshdesk_api_key;
  api.timeout = connection.timeout;
  api.pacer = connection.pacer.get();
  FreshdeskApiClient client(api);
  SetupReport report(options, out);
  report.line("tierd setup: " + options.config_path + " against " + config.freshdesk.base_url);

  auto facts = read_freshdesk_facts(config, client);
  if (!facts.ok()) {
    err << "tierd setup: " << facts.status().message() << "\n";
    return report.finish(kSetupApiFailed, "reading the account failed; nothing was changed");
  }
  const FreshdeskSetupPlan plan =
      freshdesk::build_freshdesk_setup_plan(config, *facts, secrets->webhook_secret);
  print_setup_plan(plan, report);
  report.doc()["plan"] = freshdesk::freshdesk_setup_plan_json(plan);

  if (const size_t problems = plan.problem_count(); problems > 0) {
    return report.finish(kSetupProblems, setup_plural(problems, "problem") +
                                             " found: fix them and run setup again; nothing "
                                             "was changed");
  }
  if (plan.manual) {
    const std::string steps = freshdesk::freshdesk_manual_steps(
        config, secret_source(config.freshdesk.webhook_secret), *facts);
    report.line(steps);
    report.doc()["manual_steps"] = steps;
    return report.finish(kSetupOk, "nothing was changed: create the rules by hand as above");
  }
  if (!options.apply) {
    if (plan.actions.empty()) {
      report.line(verify_step(config, options.config_path));
      return report.finish(kSetupOk, "nothing to change");
    }
    return report.finish(kSetupOk, "dry run: nothing was changed; run with --apply to carry out " +
                                       setup_plural(plan.actions.size(), "action"));
  }

  json applied = json::array();
  for (const auto& action : plan.actions) {
    const std::string base = "/api/v2/automations/" + std::to_string(action.type) + "/rules";
    auto answer = action.rule_id ? client.call("PUT", base + "/" + std::to_string(*action.rule_id),
                                               &action.body)
                                 : client.call("POST", base, &action.body);
    if (!answer.ok()) {
      err << "tierd setup: " << action.summary << ": " << answer.status().message() << "\n";
      report.doc()["applied"] = applied;
      return report.finish(kSetupApiFailed, "stopped after " +
                                                setup_plural(applied.size(), "action") +
                                                "; run setup again once the cause is fixed");
    }
    const std::string verb = action.rule_id ? "updated" : "created";
    const std::string done = verb + " rule " +
                             std::to_string(answer->body.value("id", int64_t{0})) + " (\"" +
                             action.body.value("name", "") + "\")";
    spdlog::info("event=setup_applied action={}_rule type={}", action.rule_id ? "update" : "create",
                 action.type);
    report.line("done: " + done);
    applied.push_back(
        {{"action", action.rule_id ? "update_rule" : "create_rule"}, {"result", done}});
  }
  report.doc()["applied"] = applied;
  report.line(verify_step(config, options.config_path));
  if (plan.actions.empty()) return report.finish(kSetupOk, "nothing to change");
  return report.finish(kSetupOk, "applied " + setup_plural(plan.actions.size(), "action"));
}

}  // namespace tierd
