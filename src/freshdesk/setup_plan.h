// The Freshdesk side of `tierd setup`: what it found wrong with the account
// and which automation rules it would create or change so that Freshdesk's
// "Trigger webhook" action reaches tierd.
//
// Freshdesk has no webhook subscription: a webhook is the action of an
// automation rule. tierd wants two, recognised on later runs by their names:
//   "tierd: ticket creation"  Automations API type 1 (ticket creation)
//   "tierd: ticket updates"   type 4 (ticket updates), on changes of status,
//                             priority, group_id and responder_id
// each POSTing the README's body (with its own name in "rule") to
// public_url + "/webhooks/freshdesk", with the webhook secret in the custom
// header X-Tierd-Webhook-Secret (freshdesk/webhook_auth.h).
//
// The loop. tierd's own writes are agent updates made as the API key's owner,
// and would fire the update rule again. Freshdesk's performer can only list
// who fires a rule (type 1 "Agent" with members), not who does not, so the
// update rule names every agent of the account but the key's owner; an agent
// added later is missing from it until setup runs again, which then plans an
// update. Changes made by requesters or by the system (type 2, 4) do not fire
// it; reconciliation catches those.
//
// build_freshdesk_setup_plan() is pure: Config + FreshdeskAccountFacts (what
// was read from the account) -> checks and actions. An account already in
// line yields no actions, which makes `setup --apply` idempotent. No I/O; any
// thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/setup_check.h"
#include "helpdesk/helpdesk_api.h"

namespace tierd::freshdesk {

inline constexpr std::string_view kCreationRuleName = "tierd: ticket creation";
inline constexpr std::string_view kUpdateRuleName = "tierd: ticket updates";
// Automations API rule types ("automation_type_id").
inline constexpr int kTicketCreationRules = 1;
inline constexpr int kTicketUpdateRules = 4;

// public_url + "/webhooks/freshdesk"; "" when public_url is not set.
std::string setup_rule_url(const Config& config);

// The README's body with `rule_name` in "rule": the action's "content".
nlohmann::json setup_rule_content(std::string_view rule_name);

// The body of POST /api/v2/automations/{type}/rules that setup sends for
// its rule of `type`. `performers`: the agents whose updates fire the update
// rule (ignored for the creation rule).
nlohmann::json setup_rule(int type, const std::string& url, const std::string& secret,
                          const std::vector<UserId>& performers);

struct FreshdeskAccountFacts {
  UserInfo api_agent;                        // GET /agents/me
  std::map<GroupId, std::string> groups;     // the configured groups that exist: id -> name
  std::map<UserId, std::string> agents;      // the configured agents that exist: id -> name
  std::map<UserId, std::string> all_agents;  // every agent of the account: id -> name
  // The rules of each type, as GET /automations/{type}/rules answers;
  // nullopt: they could not be read (the key's owner is not an admin).
  std::optional<std::vector<nlohmann::json>> creation_rules;
  std::optional<std::vector<nlohmann::json>> update_rules;
};

// The checks are every helpdesk's (config/setup_check.h).
using tierd::CheckLevel;
using tierd::SetupCheck;

struct RuleAction {
  int type = kTicketCreationRules;
  std::optional<int64_t> rule_id;  // set: update that rule; unset: create one
  nlohmann::json body;             // the whole wanted rule
  std::string summary;             // one line for people; never the secret
};

struct FreshdeskSetupPlan {
  std::vector<SetupCheck> checks;
  std::vector<RuleAction> actions;
  // The rules could not be read: the admin creates them by hand
  // (freshdesk_manual_steps).
  bool manual = false;
  size_t problem_count() const;
};

FreshdeskSetupPlan build_freshdesk_setup_plan(const Config& config,
                                              const FreshdeskAccountFacts& facts,
                                              const std::string& secret);

// Step-by-step instructions for creating both rules in Freshdesk's admin UI,
// with the bodies to paste. `secret_source` says where the secret is kept
// ("the value of TIERD_WEBHOOK_SECRET"); the secret itself is never printed.
std::string freshdesk_manual_steps(const Config& config, const std::string& secret_source,
                                   const FreshdeskAccountFacts& facts);

// {"checks":[{"level","text"}],"actions":[{"action","summary"}],"problems":N}
nlohmann::json freshdesk_setup_plan_json(const FreshdeskSetupPlan& plan);

}  // namespace tierd::freshdesk
