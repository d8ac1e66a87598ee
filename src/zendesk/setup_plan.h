// SetupPlan: what `tierd setup` found wrong with the helpdesk account and what
// it would create or change so that tierd can run against it.
//
// build_setup_plan() is pure: it compares the Config with AccountFacts (what
// was read from the account) and returns checks (each naming the config path
// it is about, e.g. "tiers[1].groups[0]: group 360002 does not exist") and the
// actions that would bring the account in line: create or update tierd's
// event-subscribed webhook, create the forward dropdown field, add missing
// route options to it. An account already in line yields no actions, which
// is what makes `tierd setup --apply` idempotent. No I/O; any thread.
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
#include "zendesk/account_client.h"

namespace tierd {

inline constexpr std::string_view kSetupWebhookName = "tierd";
inline constexpr std::string_view kForwardFieldTitle = "Forward to (tierd)";

// The ticket event types tierd's webhook subscribes to: every documented
// ticket event whose kind tierd acts on (all but the "other change" kinds),
// sorted.
const std::vector<std::string>& setup_webhook_subscriptions();

// public_url + "/webhooks/zendesk"; "" when public_url is not set.
std::string setup_webhook_endpoint(const Config& config);

// Every group and user id the config names, sorted and unique: the ids setup
// must look up to build AccountFacts.
std::vector<GroupId> configured_group_ids(const Config& config);
std::vector<UserId> configured_user_ids(const Config& config);

struct AccountFacts {
  UserInfo api_user;
  std::map<GroupId, std::string> groups;  // the configured groups that exist: id -> name
  std::vector<UserInfo> users;            // the configured users that exist
  // With review.forward_field_id set: that field, nullopt when it does not
  // exist. Without: the field titled kForwardFieldTitle, if there is one.
  std::optional<zendesk::TicketFieldInfo> forward_field;
  // nullopt: not read (the API user may not list webhooks).
  std::optional<std::vector<zendesk::WebhookInfo>> webhooks;
};

enum class SetupActionKind {
  kCreateWebhook,
  kUpdateWebhook,
  kCreateForwardField,
  kAddForwardOptions
};

struct SetupAction {
  SetupActionKind kind = SetupActionKind::kCreateWebhook;
  std::string summary;  // one line for people
  // kCreateWebhook: the wanted webhook. kUpdateWebhook: its id and the
  // fields to change; fields left empty stay as they are.
  zendesk::WebhookInfo webhook;
  // kAddForwardOptions: the field to change.
  int64_t field_id = 0;
  // kCreateForwardField: the options; kAddForwardOptions: the field's complete
  // new option list (existing ones first, so none is removed).
  std::vector<zendesk::FieldOption> options;
};

struct SetupPlan {
  std::vector<SetupCheck> checks;
  std::vector<SetupAction> actions;
  // The id of tierd's webhook when it already exists.
  std::optional<std::string> webhook_id;
  size_t problem_count() const;
};

SetupPlan build_setup_plan(const Config& config, const AccountFacts& facts);

const char* setup_action_name(SetupActionKind kind);
// {"checks":[{"level","text"}],"actions":[{"action","summary"}],"problems":N}
nlohmann::json setup_plan_json(const SetupPlan& plan);

}  // namespace tierd
