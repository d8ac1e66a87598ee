#include "sim/freshdesk/automation_rules.h"

#include <algorithm>
#include <set>

#include "helpdesk/text_codec.h"
#include "sim/freshdesk/webhook_rule.h"

namespace tierd::sim::freshdesk {

using nlohmann::json;

namespace {

const std::set<std::string>& condition_fields() {
  static const std::set<std::string> fields = {"status", "priority", "source", "group_id",
                                               "responder_id"};
  return fields;
}

const std::set<std::string>& condition_operators() {
  static const std::set<std::string> ops = {"is", "is_not", "in", "not_in"};
  return ops;
}

bool is_string_map(const json& j) {
  if (!j.is_object()) return false;
  return std::all_of(j.begin(), j.end(), [](const json& v) { return v.is_string(); });
}

void check_webhook_action(const json& a, std::vector<FieldError>& errors) {
  static const std::set<std::string> methods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
  static const std::set<std::string> encodings = {"JSON", "XML", "X-FORM-URLENCODED"};
  const std::string request_type = a.value("request_type", json()).is_string()
                                       ? a["request_type"].get<std::string>()
                                       : std::string();
  if (!methods.count(request_type)) {
    errors.push_back({"request_type",
                      "It should be one of these values: 'GET,POST,PUT,PATCH,DELETE'",
                      a.contains("request_type") ? "invalid_value" : "missing_field"});
  }
  auto url = a.find("url");
  if (url == a.end() || !url->is_string() ||
      (url->get<std::string>().rfind("http://", 0) != 0 &&
       url->get<std::string>().rfind("https://", 0) != 0)) {
    errors.push_back(
        {"url", "It should be a valid URL", url == a.end() ? "missing_field" : "invalid_value"});
  }
  if (auto ct = a.find("content_type");
      ct != a.end() && (!ct->is_string() || !encodings.count(ct->get<std::string>()))) {
    errors.push_back({"content_type",
                      "It should be one of these values: 'JSON,XML,X-FORM-URLENCODED'",
                      "invalid_value"});
  }
  if (auto h = a.find("custom_headers"); h != a.end() && !is_string_map(*h)) {
    errors.push_back({"custom_headers", "It should be a/an key/value pair", "datatype_mismatch"});
  }
  if (auto h = a.find("auth_header"); h != a.end()) {
    if (!is_string_map(*h) || !h->contains("username") || !h->contains("password")) {
      errors.push_back({"auth_header", "It should have the username and password as String",
                        "datatype_mismatch"});
    }
  }
  if (auto k = a.find("api_key"); k != a.end() && !k->is_string()) {
    errors.push_back({"api_key", "It should be a/an String", "datatype_mismatch"});
  }
  if (auto c = a.find("content"); c != a.end() && !c->is_object() && !c->is_string()) {
    errors.push_back({"content", "It should be a/an key/value pair", "datatype_mismatch"});
  }
}

void check_conditions(const json& conditions, std::vector<FieldError>& errors) {
  if (!conditions.is_array()) {
    errors.push_back({"conditions", "It should be a/an Array", "datatype_mismatch"});
    return;
  }
  for (const auto& set : conditions) {
    const json properties = set.is_object() ? set.value("properties", json()) : json();
    const std::string match = set.is_object() ? set.value("match_type", "all") : "";
    if (!properties.is_array() || (match != "all" && match != "any")) {
      errors.push_back({"conditions",
                        "Each condition set needs match_type 'all' or 'any' and properties",
                        "invalid_value"});
      continue;
    }
    for (const auto& p : properties) {
      if (!p.is_object() || p.value("resource_type", "") != "ticket" ||
          !condition_fields().count(p.value("field_name", "")) ||
          !condition_operators().count(p.value("operator", "")) || !p.contains("value")) {
        errors.push_back({"conditions",
                          "freshdesk-sim runs ticket conditions on status, priority, source, "
                          "group_id, responder_id with is, is_not, in, not_in",
                          "invalid_value"});
      }
    }
  }
}

// The ticket's value of a condition field, as text ("" for none).
std::string field_text(const Ticket& t, const std::string& field) {
  auto id = [](const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string(); };
  if (field == "status") return std::to_string(t.status);
  if (field == "priority") return std::to_string(t.priority);
  if (field == "source") return std::to_string(t.source);
  if (field == "group_id") return id(t.group_id);
  return id(t.responder_id);
}

std::string value_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

bool property_holds(const json& p, const Ticket& t) {
  const std::string have = field_text(t, p["field_name"].get<std::string>());
  const std::string op = p["operator"];
  const json& value = p["value"];
  bool listed = false;
  if (value.is_array()) {
    for (const auto& v : value) listed = listed || value_text(v) == have;
  } else {
    listed = value_text(value) == have;
  }
  return op == "is" || op == "in" ? listed : !listed;
}

bool conditions_hold(const json& rule, const Ticket& t) {
  auto conditions = rule.find("conditions");
  if (conditions == rule.end()) return true;
  for (const auto& set : *conditions) {
    const bool any = set.value("match_type", "all") == "any";
    bool holds = !any;
    for (const auto& p : set["properties"]) {
      holds = any ? holds || property_holds(p, t) : holds && property_holds(p, t);
    }
    if (!set["properties"].empty() && !holds) return false;
  }
  return true;
}

bool performer_fires(const json& rule, int64_t performer) {
  auto p = rule.find("performer");
  if (p == rule.end()) return true;  // Freshdesk's default is any agent
  const int type = p->value("type", 0);
  if (type == 3) return true;
  if (type != 1) return false;  // requester or system: never the sim's updates
  auto members = p->find("members");
  if (members == p->end() || members->empty()) return true;
  return std::any_of(members->begin(), members->end(),
                     [&](const json& m) { return m.get<int64_t>() == performer; });
}

bool event_matches(const json& e, const FieldChange& c) {
  auto side = [&e](const char* key, const std::string& value) {
    const std::string want = value_text(e.value(key, json("--")));
    return want == "--" || want == value;
  };
  return e.value("field_name", "") == c.field && side("from", c.from) && side("to", c.to);
}

RuleWebhook render_webhook(const json& rule, const Ticket& ticket, const std::string& event) {
  const json* action = nullptr;
  for (const auto& a : rule["actions"]) {
    if (a.value("field_name", "") == "trigger_webhook") action = &a;
  }
  RuleWebhook w;
  w.rule_name = rule.value("name", "");
  w.event = event;
  w.method = (*action)["request_type"];
  w.url = (*action)["url"];
  if (auto h = action->find("custom_headers"); h != action->end()) {
    for (const auto& [name, value] : h->items()) w.headers.emplace_back(name, value);
  }
  if (auto auth = action->find("auth_header"); auth != action->end()) {
    w.headers.emplace_back("Authorization",
                           "Basic " + base64_encode((*auth)["username"].get<std::string>() + ":" +
                                                    (*auth)["password"].get<std::string>()));
  } else if (auto key = action->find("api_key"); key != action->end()) {
    w.headers.emplace_back("Authorization",
                           "Basic " + base64_encode(key->get<std::string>() + ":X"));
  }
  const json content = action->value("content", json(""));
  w.body =
      render_body(content.is_string() ? content.get<std::string>() : content.dump(), ticket, event);
  return w;
}

}  // namespace

std::vector<FieldError> validate_automation_rule(int type, const json& rule,
                                                 const Account& account) {
  std::vector<FieldError> errors;
  if (!rule.is_object()) {
    errors.push_back({"", "Request body has invalid json format", "invalid_json"});
    return errors;
  }
  static const std::set<std::string> members = {"name",       "active",     "position", "performer",
                                                "events",     "conditions", "actions",  "id",
                                                "created_at", "updated_at", "outdated", "summary"};
  for (const auto& [key, value] : rule.items()) {
    if (!members.count(key) ||
        (type != kUpdateRuleType && (key == "performer" || key == "events"))) {
      errors.push_back({key, "Unexpected/invalid field in request", "invalid_field"});
    }
  }
  auto name = rule.find("name");
  if (name == rule.end() || !name->is_string() || name->get<std::string>().empty()) {
    errors.push_back({"name", "It should be a/an String",
                      name == rule.end() ? "missing_field" : "datatype_mismatch"});
  }
  if (auto a = rule.find("active"); a != rule.end() && !a->is_boolean()) {
    errors.push_back({"active", "It should be a/an Boolean", "datatype_mismatch"});
  }
  if (auto p = rule.find("position");
      p != rule.end() && (!p->is_number_integer() || p->get<int64_t>() < 1)) {
    errors.push_back({"position", "It should be a/an Positive Integer", "datatype_mismatch"});
  }
  if (type == kUpdateRuleType) {
    auto performer = rule.find("performer");
    if (performer == rule.end()) {
      errors.push_back({"performer", "It should be a/an key/value pair", "missing_field"});
    } else if (!performer->is_object() || !performer->value("type", json()).is_number_integer() ||
               (*performer)["type"].get<int>() < 1 || (*performer)["type"].get<int>() > 4) {
      errors.push_back(
          {"performer", "type: It should be one of these values: '1,2,3,4'", "invalid_value"});
    } else if (auto m = performer->find("members"); m != performer->end()) {
      bool ok = m->is_array() && (*performer)["type"] == 1;
      for (const auto& id : ok ? *m : json::array()) {
        ok = ok && id.is_number_integer() && account.agents.count(id.get<int64_t>());
      }
      if (!ok) {
        errors.push_back({"performer",
                          "members: It should be agent ids, and only with type 1 (Agent)",
                          "invalid_value"});
      }
    }
    auto events = rule.find("events");
    bool events_ok = events != rule.end() && events->is_array() && !events->empty();
    for (const auto& e : events_ok ? *events : json::array()) {
      events_ok = events_ok && e.is_object() && e.value("field_name", json()).is_string();
    }
    if (!events_ok) {
      errors.push_back({"events", "It should be a non-empty Array of {field_name, from, to}",
                        events == rule.end() ? "missing_field" : "invalid_value"});
    }
  }
  if (auto c = rule.find("conditions"); c != rule.end()) check_conditions(*c, errors);
  auto actions = rule.find("actions");
  if (actions == rule.end() || !actions->is_array() || actions->empty()) {
    errors.push_back({"actions", "It should be a non-empty Array",
                      actions == rule.end() ? "missing_field" : "datatype_mismatch"});
  } else {
    for (const auto& a : *actions) {
      if (!a.is_object() || a.value("field_name", "") != "trigger_webhook") {
        errors.push_back(
            {"actions", "freshdesk-sim runs only the trigger_webhook action", "invalid_value"});
        continue;
      }
      check_webhook_action(a, errors);
    }
  }
  return errors;
}

std::optional<RuleWebhook> creation_rule_fires(const json& rule, const Ticket& ticket) {
  if (!rule.value("active", true) || !conditions_hold(rule, ticket)) return std::nullopt;
  return render_webhook(rule, ticket, triggered_event(true, {}));
}

std::optional<RuleWebhook> update_rule_fires(const json& rule, const Ticket& ticket,
                                             const std::vector<FieldChange>& changes,
                                             int64_t performer) {
  if (!rule.value("active", true) || !performer_fires(rule, performer)) return std::nullopt;
  const FieldChange* matched = nullptr;
  for (const auto& c : changes) {
    for (const auto& e : rule["events"]) {
      if (!matched && event_matches(e, c)) matched = &c;
    }
  }
  if (!matched || !conditions_hold(rule, ticket)) return std::nullopt;
  return render_webhook(rule, ticket, triggered_event(false, {*matched}));
}

}  // namespace tierd::sim::freshdesk
