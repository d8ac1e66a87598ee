#include "zendesk/setup_plan.h"

#include <algorithm>
#include <set>

#include "config/config_references.h"
#include "core/ticket.h"
#include "zendesk/webhook_payload.h"

namespace tierd {

using nlohmann::json;
using zendesk::FieldOption;
using zendesk::TicketFieldInfo;
using zendesk::WebhookInfo;

namespace {

constexpr std::string_view kTriggerSubscription = "conditional_ticket_events";

struct Planner {
  const Config& config;
  const AccountFacts& facts;
  SetupPlan plan;

  void ok(std::string text) { plan.checks.push_back({CheckLevel::kOk, std::move(text)}); }
  void note(std::string text) { plan.checks.push_back({CheckLevel::kNote, std::move(text)}); }
  void problem(std::string text) { plan.checks.push_back({CheckLevel::kProblem, std::move(text)}); }

  const UserInfo* find_user(UserId id) const {
    for (const auto& u : facts.users) {
      if (u.id == id) return &u;
    }
    return nullptr;
  }

  void check_api_user() {
    const UserInfo& me = facts.api_user;
    const std::string path =
        config.zendesk.oauth_token.configured() ? "zendesk.oauth_token" : "zendesk.email";
    const std::string who = "the API user " + me.name + " (id " + std::to_string(me.id) +
                            ", role " + (me.role.empty() ? "unknown" : me.role) + ")";
    if (!me.active) problem(path + ": " + who + " is not active");
    if (me.role != "admin" && me.role != "agent") {
      problem(path + ": " + who + " cannot edit tickets; tierd needs an agent or admin");
    } else if (me.role != "admin") {
      problem(path + ": " + who +
              " is not an admin; setup needs an admin to manage webhooks and ticket fields");
    } else if (me.active) {
      ok(path + ": " + who + " can edit tickets and manage webhooks and ticket fields");
    }
    if (config.zendesk.api_user_id && *config.zendesk.api_user_id != me.id) {
      problem("zendesk.api_user_id: " + std::to_string(*config.zendesk.api_user_id) +
              " is not the API user (" + std::to_string(me.id) + ")");
    }
  }

  void check_group(const std::string& path, GroupId id) {
    auto it = facts.groups.find(id);
    if (it == facts.groups.end()) {
      problem(path + ": group " + std::to_string(id) + " does not exist");
    } else {
      ok(path + ": group " + std::to_string(id) + " (" + it->second + ") exists");
    }
  }

  void check_user(const std::string& path, UserId id) {
    const UserInfo* u = find_user(id);
    const std::string who = "user " + std::to_string(id);
    if (!u) {
      problem(path + ": " + who + " does not exist");
    } else if (!u->active) {
      problem(path + ": " + who + " (" + u->name + ") is not active");
    } else if (u->role != "agent" && u->role != "admin") {
      problem(path + ": " + who + " (" + u->name + ") is an end user, not an agent");
    } else {
      ok(path + ": " + who + " (" + u->name + ") is an active " + u->role);
    }
  }

  void check_references() {
    for (const ConfigReference& r : config_references(config)) {
      if (r.kind == ConfigReference::Kind::kGroup) {
        check_group(r.path, r.id);
      } else {
        check_user(r.path, r.id);
      }
    }
  }

  // The option each route needs: value "<forward_prefix><route>".
  std::vector<FieldOption> missing_options(const std::vector<FieldOption>& existing) const {
    std::vector<FieldOption> missing;
    const std::string& prefix = config.tags.forward_prefix;
    for (const auto& route : config.routes) {
      const bool covered = std::any_of(existing.begin(), existing.end(), [&](const FieldOption& o) {
        const std::string v = ascii_lower(o.value);
        return v == route.name || v == prefix + route.name;
      });
      if (!covered) missing.push_back({0, route.name, prefix + route.name});
    }
    return missing;
  }

  static std::string option_values(const std::vector<FieldOption>& options) {
    std::string out;
    for (const auto& o : options) out += (out.empty() ? "" : ", ") + o.value;
    return out;
  }

  void plan_options(const TicketFieldInfo& field, const std::string& path) {
    auto missing = missing_options(field.options);
    if (missing.empty()) {
      ok(path + ": field " + std::to_string(field.id) + " (" + field.title +
         ") has an option for every route");
      return;
    }
    SetupAction a;
    a.kind = SetupActionKind::kAddForwardOptions;
    a.field_id = field.id;
    a.options = field.options;
    a.options.insert(a.options.end(), missing.begin(), missing.end());
    a.summary = "add options to field " + std::to_string(field.id) + " (" + field.title +
                "): " + option_values(missing);
    plan.actions.push_back(std::move(a));
  }

  void check_forward_field() {
    if (!config.review) return;
    const ReviewConfig& r = *config.review;
    if (r.forward_field_id) {
      const std::string path = "review.forward_field_id";
      const std::string id = std::to_string(*r.forward_field_id);
      if (!facts.forward_field) {
        problem(path + ": ticket field " + id +
                " does not exist (setup cannot choose ids: fix the id, or remove the key and "
                "let setup create the field)");
        return;
      }
      const TicketFieldInfo& f = *facts.forward_field;
      if (f.type != "tagger") {
        problem(path + ": field " + id + " (" + f.title + ") is a " + f.type +
                " field, not a dropdown");
        return;
      }
      if (!f.active) problem(path + ": field " + id + " (" + f.title + ") is not active");
      plan_options(f, path);
      return;
    }
    if (config.routes.empty()) {
      ok("review.forward_field_id: not set and no routes are configured; no forward field needed");
      return;
    }
    if (facts.forward_field) {
      const TicketFieldInfo& f = *facts.forward_field;
      note("review.forward_field_id: not set; the field \"" + f.title + "\" exists: add " +
           "\"forward_field_id\": " + std::to_string(f.id) + " to review in the config");
      if (f.type == "tagger") plan_options(f, "review.forward_field_id");
      return;
    }
    SetupAction a;
    a.kind = SetupActionKind::kCreateForwardField;
    a.options = missing_options({});
    a.summary = "create dropdown field \"" + std::string(kForwardFieldTitle) +
                "\" with one option per route: " + option_values(a.options);
    plan.actions.push_back(std::move(a));
  }

  static bool same_set(std::vector<std::string> a, std::vector<std::string> b) {
    std::sort(a.begin(), a.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
    std::sort(b.begin(), b.end());
    b.erase(std::unique(b.begin(), b.end()), b.end());
    return a == b;
  }

  static bool trigger_connected(const WebhookInfo& w) {
    return std::find(w.subscriptions.begin(), w.subscriptions.end(), kTriggerSubscription) !=
           w.subscriptions.end();
  }

  void check_webhook() {
    const std::string endpoint = setup_webhook_endpoint(config);
    if (endpoint.empty()) {
      problem("public_url: not set; setup cannot point a webhook at tierd without it");
      return;
    }
    if (!facts.webhooks) return;  // the API user problem above says why
    WebhookInfo wanted;
    wanted.name = std::string(kSetupWebhookName);
    wanted.status = "active";
    wanted.endpoint = endpoint;
    wanted.http_method = "POST";
    wanted.request_format = "json";
    wanted.subscriptions = setup_webhook_subscriptions();
    wanted.description = "Ticket events for tierd (managed by tierd setup)";

    // A trigger-connected webhook (plugin_manifest's) is never ours: its
    // connection method cannot become event subscriptions.
    const WebhookInfo* ours = nullptr;
    for (const auto& w : *facts.webhooks) {
      if (!trigger_connected(w) && w.endpoint == endpoint) {
        ours = &w;
        break;
      }
    }
    for (const auto& w : *facts.webhooks) {
      if (ours) break;
      if (!trigger_connected(w) && w.name == kSetupWebhookName) ours = &w;
    }
    if (!ours) {
      SetupAction a;
      a.kind = SetupActionKind::kCreateWebhook;
      a.webhook = wanted;
      a.summary = "create webhook \"" + wanted.name + "\" -> " + endpoint + " (POST json, " +
                  std::to_string(wanted.subscriptions.size()) + " ticket event types, active)";
      plan.actions.push_back(std::move(a));
      return;
    }
    plan.webhook_id = ours->id;
    // The update names only the fields that differ; the rest (the admin's
    // name, description, authentication, custom headers) stays as it is.
    SetupAction a;
    a.kind = SetupActionKind::kUpdateWebhook;
    a.webhook.id = ours->id;
    std::vector<std::string> differs;
    auto field = [&](const char* name, const std::string& have, const std::string& want,
                     std::string& patch) {
      if (have == want) return;
      differs.push_back(name);
      patch = want;
    };
    field("endpoint", ours->endpoint, wanted.endpoint, a.webhook.endpoint);
    field("http_method", ours->http_method, wanted.http_method, a.webhook.http_method);
    field("request_format", ours->request_format, wanted.request_format, a.webhook.request_format);
    field("status", ours->status, wanted.status, a.webhook.status);
    if (!same_set(ours->subscriptions, wanted.subscriptions)) {
      differs.push_back("subscriptions");
      a.webhook.subscriptions = wanted.subscriptions;
    }
    if (differs.empty()) {
      ok("webhook " + ours->id + " (\"" + ours->name + "\") -> " + endpoint + " is up to date");
      return;
    }
    std::string fields;
    for (const auto& d : differs) fields += (fields.empty() ? "" : ", ") + d;
    a.summary = "update webhook " + ours->id + " (\"" + ours->name + "\"): " + fields;
    plan.actions.push_back(std::move(a));
  }
};

}  // namespace

const std::vector<std::string>& setup_webhook_subscriptions() {
  static const std::vector<std::string> kTypes = zendesk::acted_on_ticket_event_types();
  return kTypes;
}

std::string setup_webhook_endpoint(const Config& config) {
  if (config.public_url.empty()) return "";
  std::string base = config.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + std::string(zendesk::kWebhookPath);
}

std::vector<GroupId> configured_group_ids(const Config& config) {
  std::set<GroupId> ids;
  for (const auto& t : config.tiers) ids.insert(t.groups.begin(), t.groups.end());
  if (config.review) {
    ids.insert(config.review->groups.begin(), config.review->groups.end());
    if (config.review->lead_group) ids.insert(*config.review->lead_group);
  }
  for (const auto& r : config.routes) ids.insert(r.group);
  return {ids.begin(), ids.end()};
}

std::vector<UserId> configured_user_ids(const Config& config) {
  std::set<UserId> ids;
  if (config.review) ids.insert(config.review->reviewers.begin(), config.review->reviewers.end());
  for (const auto& r : config.routes) ids.insert(r.agents.begin(), r.agents.end());
  for (const auto& [agent, calendar] : config.availability.schedules) ids.insert(agent);
  return {ids.begin(), ids.end()};
}

size_t SetupPlan::problem_count() const {
  return tierd::problem_count(checks);
}

SetupPlan build_setup_plan(const Config& config, const AccountFacts& facts) {
  Planner p{config, facts, {}};
  p.check_api_user();
  p.check_references();
  p.check_forward_field();
  p.check_webhook();
  return std::move(p.plan);
}

const char* setup_action_name(SetupActionKind kind) {
  switch (kind) {
    case SetupActionKind::kCreateWebhook:
      return "create_webhook";
    case SetupActionKind::kUpdateWebhook:
      return "update_webhook";
    case SetupActionKind::kCreateForwardField:
      return "create_forward_field";
    case SetupActionKind::kAddForwardOptions:
      return "add_forward_options";
  }
  return "";
}

json setup_plan_json(const SetupPlan& plan) {
  json actions = json::array();
  for (const auto& a : plan.actions) {
    actions.push_back({{"action", setup_action_name(a.kind)}, {"summary", a.summary}});
  }
  return {{"checks", checks_json(plan.checks)},
          {"actions", actions},
          {"problems", plan.problem_count()}};
}

}  // namespace tierd
