// Automation rules created through Freshdesk's Automations API, as
// freshdesk-sim keeps and runs them: validation of a rule body, and which
// rules fire on a ticket's creation or update with the webhook each sends.
//
// What Freshdesk documents, and the simulator does:
// - GET|POST /api/v2/automations/{type}/rules, GET|PUT|DELETE .../{id};
//   type 1 runs on ticket creation, 4 on ticket updates (3, the hourly
//   rules, is not simulated: 404);
// - a rule has name, active, position, conditions and actions; performer
//   and events belong to type 4 only. performer.type: 1 Agent (with
//   "members", agent ids; none: any agent), 2 Requester, 3 Agent or
//   Requester, 4 System. events: [{field_name, from, to}], "--" for any;
// - conditions: [{name, match_type "all"|"any", properties: [{resource_type
//   "ticket", field_name, operator, value}]}], every set must hold;
// - a validation failure is 400 {"description": "Validation failed",
//   "errors": [{field, message, code}]}.
// The trigger_webhook action is read in the flat shape integrations send:
// request_type, url, content_type, content_layout, custom_headers,
// auth_header {username, password} or api_key (Basic "<key>:X"), and
// content as an object (serialised) or a string, its placeholders rendered
// as webhook_rule.h does.
// Simulated subset: condition fields status, priority, source, group_id,
// responder_id with operators is, is_not, in, not_in, and trigger_webhook
// as the only action; anything else is refused with invalid_value, so a
// test never relies on a rule the simulator would not run. Updates here are
// made by agents (the API key's owner for API writes; the named agent, or
// an unnamed one, for the control API); none is made by a requester or the
// system, so performer types 2 and 4 never fire.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/freshdesk/account.h"

namespace tierd::sim::freshdesk {

inline constexpr int kCreationRuleType = 1;
inline constexpr int kUpdateRuleType = 4;

// The errors of `rule` (a whole rule: for PUT, the stored one with the
// request's members laid over it) for rule type `type`.
std::vector<FieldError> validate_automation_rule(int type, const nlohmann::json& rule,
                                                 const Account& account);

// A webhook a rule fires, ready to send.
struct RuleWebhook {
  std::string rule_name;
  std::string method;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string event;
};

// The webhook `rule` (valid, of type 1) sends for a new ticket; nullopt
// when it is inactive or its conditions do not hold.
std::optional<RuleWebhook> creation_rule_fires(const nlohmann::json& rule, const Ticket& ticket);

// The webhook `rule` (valid, of type 4) sends for an update of `ticket` (as
// it now is) by agent `performer` (0: an agent not named) that made
// `changes`; the event is the first change one of its events matches.
std::optional<RuleWebhook> update_rule_fires(const nlohmann::json& rule, const Ticket& ticket,
                                             const std::vector<FieldChange>& changes,
                                             int64_t performer);

}  // namespace tierd::sim::freshdesk
