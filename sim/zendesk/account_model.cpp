#include "sim/zendesk/account_model.h"

#include <algorithm>
#include <array>
#include <set>

#include "zendesk/webhook_signature.h"

namespace tierd::sim {

using nlohmann::json;

namespace {

constexpr std::string_view kEventPrefix = "zen:event-type:";
constexpr std::string_view kConditionalTicketEvents = "conditional_ticket_events";
constexpr std::array<std::string_view, 5> kMethods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
constexpr std::array<std::string_view, 3> kFormats = {"json", "xml", "form_encoded"};
constexpr std::array<std::string_view, 11> kCustomFieldTypes = {
    "text",   "textarea",          "checkbox",    "date",   "integer", "decimal",
    "regexp", "partialcreditcard", "multiselect", "tagger", "lookup"};

template <size_t N>
bool one_of(const std::string& s, const std::array<std::string_view, N>& allowed) {
  return std::find(allowed.begin(), allowed.end(), s) != allowed.end();
}

bool is_event_type(const std::string& s) {
  return s.compare(0, kEventPrefix.size(), kEventPrefix) == 0;
}

SimApiError field_invalid(const std::string& field, const std::string& description) {
  return {422,
          {{"error", "RecordInvalid"},
           {"description", "Record validation errors"},
           {"details", {{field, {{{"description", description}, {"error", "InvalidValue"}}}}}}}};
}

// Zendesk turns option values into tags: lower-case, no spaces.
bool is_tag_value(const std::string& v) {
  if (v.empty() || v.size() > 80) return false;
  for (char c : v) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                    c == ':' || c == '/' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool SimWebhook::subscribes_to_events() const {
  return std::any_of(subscriptions.begin(), subscriptions.end(), is_event_type);
}

bool SimWebhook::subscribed_to(const std::string& event_type) const {
  return std::find(subscriptions.begin(), subscriptions.end(), event_type) != subscriptions.end();
}

SimApiError webhook_error(int status, const std::string& code, const std::string& detail,
                          const std::string& field) {
  json e = {{"code", code},
            {"title", status == 404 ? "Not Found" : "Invalid attribute"},
            {"detail", detail}};
  if (!field.empty()) e["source"] = {{"pointer", "/webhook/" + field}};
  return {status, {{"errors", json::array({e})}}};
}

json webhook_json(const SimWebhook& w) {
  json out = {{"id", w.id},
              {"name", w.name},
              {"status", w.status},
              {"endpoint", w.endpoint},
              {"http_method", w.http_method},
              {"request_format", w.request_format},
              {"subscriptions", w.subscriptions},
              {"created_by", w.created_by},
              {"created_at", format_instant(w.created_at)},
              {"updated_by", w.created_by},
              {"updated_at", format_instant(w.updated_at)}};
  if (!w.description.empty()) out["description"] = w.description;
  if (!w.authentication.is_null()) {
    // Credentials are write-only, as in Zendesk.
    json auth = w.authentication;
    auth.erase("data");
    out["authentication"] = auth;
  }
  if (!w.custom_headers.is_null()) out["custom_headers"] = w.custom_headers;
  return out;
}

std::optional<SimApiError> apply_webhook_fields(SimWebhook& w, const json& body,
                                                WebhookWrite how,
                                                std::optional<bool> was_event_subscribed) {
  const bool replace = how != WebhookWrite::kPatch;
  if (!body.is_object() || !body.contains("webhook") || !body["webhook"].is_object()) {
    return webhook_error(400, "InvalidRequest", "The body must be {\"webhook\": {...}}");
  }
  const json& in = body["webhook"];
  auto take_string = [&](const char* key, std::string& out,
                         bool required) -> std::optional<SimApiError> {
    auto it = in.find(key);
    if (it == in.end() || it->is_null()) {
      if (replace && required) {
        return webhook_error(400, "MissingAttribute", std::string(key) + " is required", key);
      }
      // A PATCH with null clears an optional field; one left out stays.
      if (replace || (it != in.end() && !required)) out.clear();
      if (!replace && it != in.end() && required) {
        return webhook_error(400, "InvalidAttribute", std::string(key) + " cannot be null", key);
      }
      return std::nullopt;
    }
    if (!it->is_string()) {
      return webhook_error(400, "InvalidAttribute", std::string(key) + " must be a string", key);
    }
    out = it->get<std::string>();
    return std::nullopt;
  };
  for (auto [key, out, required] :
       {std::tuple<const char*, std::string*, bool>{"name", &w.name, true},
        {"endpoint", &w.endpoint, true},
        {"http_method", &w.http_method, true},
        {"request_format", &w.request_format, true},
        {"status", &w.status, true},
        {"description", &w.description, false}}) {
    if (auto e = take_string(key, *out, required)) return e;
  }
  if (auto it = in.find("subscriptions"); it != in.end()) {
    if (!it->is_array()) {
      return webhook_error(400, "InvalidAttribute", "subscriptions must be an array",
                           "subscriptions");
    }
    std::vector<std::string> subs;
    for (const auto& s : *it) {
      if (!s.is_string()) {
        return webhook_error(400, "InvalidAttribute", "subscriptions must be strings",
                             "subscriptions");
      }
      subs.push_back(s.get<std::string>());
    }
    w.subscriptions = std::move(subs);
  } else if (how == WebhookWrite::kCreate) {
    w.subscriptions.clear();
  }
  for (const char* key : {"authentication", "custom_headers"}) {
    json& target = std::string(key) == "authentication" ? w.authentication : w.custom_headers;
    if (auto it = in.find(key); it != in.end()) {
      target = *it;
    } else if (replace) {
      target = nullptr;
    }
  }

  if (w.name.empty()) return webhook_error(400, "InvalidAttribute", "name is blank", "name");
  if (w.endpoint.rfind("https://", 0) != 0 && w.endpoint.rfind("http://", 0) != 0) {
    return webhook_error(400, "InvalidAttribute", "endpoint must be an http(s) URL", "endpoint");
  }
  if (!one_of(w.http_method, kMethods)) {
    return webhook_error(400, "InvalidAttribute",
                         "http_method must be GET, POST, PUT, PATCH or DELETE", "http_method");
  }
  if (!one_of(w.request_format, kFormats)) {
    return webhook_error(400, "InvalidAttribute",
                         "request_format must be json, xml or form_encoded", "request_format");
  }
  if (w.status != "active" && w.status != "inactive") {
    return webhook_error(400, "InvalidAttribute", "status must be active or inactive", "status");
  }
  const bool events = w.subscribes_to_events();
  const bool conditional = std::find(w.subscriptions.begin(), w.subscriptions.end(),
                                     kConditionalTicketEvents) != w.subscriptions.end();
  if (conditional && w.subscriptions.size() != 1) {
    return webhook_error(400, "InvalidAttribute",
                         "conditional_ticket_events cannot be combined with other subscriptions",
                         "subscriptions");
  }
  for (const auto& s : w.subscriptions) {
    if (s != kConditionalTicketEvents && !is_event_type(s)) {
      return webhook_error(400, "InvalidAttribute", "unknown subscription \"" + s + "\"",
                           "subscriptions");
    }
  }
  if (events && (w.http_method != "POST" || w.request_format != "json")) {
    return webhook_error(400, "InvalidAttribute",
                         "a webhook subscribed to Zendesk events must use POST and json",
                         events && w.http_method != "POST" ? "http_method" : "request_format");
  }
  if (was_event_subscribed && !w.subscriptions.empty() && *was_event_subscribed != events) {
    return webhook_error(400, "InvalidAttribute",
                         "a webhook's connection method (event subscriptions or triggers) "
                         "cannot be changed",
                         "subscriptions");
  }
  return std::nullopt;
}

std::string new_webhook_id(Instant now, std::mt19937_64& rng) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string id(26, '0');
  uint64_t ms = static_cast<uint64_t>(to_unix_ms(now));
  for (int i = 9; i >= 0; --i) {
    id[i] = kAlphabet[ms & 31];
    ms >>= 5;
  }
  for (int i = 10; i < 26; ++i) id[i] = kAlphabet[rng() & 31];
  return id;
}

std::string new_signing_secret(std::mt19937_64& rng) {
  std::string bytes;
  for (int i = 0; i < 4; ++i) {
    uint64_t r = rng();
    for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<char>((r >> (8 * b)) & 0xFF));
  }
  return base64_encode(bytes);
}

json ticket_field_json(const SimTicketField& f, const std::string& base_url) {
  json out = {{"id", f.id},
              {"url", base_url + "/api/v2/ticket_fields/" + std::to_string(f.id) + ".json"},
              {"type", f.type},
              {"title", f.title},
              {"raw_title", f.title},
              {"description", f.description},
              {"raw_description", f.description},
              {"position", f.position},
              {"active", f.active},
              {"required", f.required},
              {"removable", f.removable},
              {"visible_in_portal", false},
              {"editable_in_portal", false},
              {"agent_can_edit", true},
              {"created_at", format_instant(f.created_at)},
              {"updated_at", format_instant(f.updated_at)}};
  if (f.type == "tagger" || f.type == "multiselect") {
    json options = json::array();
    for (const auto& o : f.options) {
      options.push_back({{"id", o.id},
                         {"name", o.name},
                         {"raw_name", o.name},
                         {"value", o.value},
                         {"default", o.is_default}});
    }
    out["custom_field_options"] = options;
  }
  return out;
}

std::optional<SimApiError> apply_ticket_field(SimTicketField& f, const json& body, bool creating,
                                              int64_t& next_option_id) {
  if (!body.is_object() || !body.contains("ticket_field") || !body["ticket_field"].is_object()) {
    return SimApiError{400,
                       {{"error", "InvalidParameter"},
                        {"description", "The body must be {\"ticket_field\": {...}}"}}};
  }
  const json& in = body["ticket_field"];
  if (auto it = in.find("type"); it != in.end()) {
    if (!it->is_string()) return field_invalid("type", "Type must be a string");
    const std::string type = it->get<std::string>();
    if (!creating && type != f.type) return field_invalid("type", "Type cannot be changed");
    if (creating && !one_of(type, kCustomFieldTypes)) {
      return field_invalid("type", "Type is not a valid custom field type: " + type);
    }
    f.type = type;
  } else if (creating) {
    return field_invalid("type", "Type cannot be blank");
  }
  if (auto it = in.find("title"); it != in.end()) {
    if (!it->is_string()) return field_invalid("title", "Title must be a string");
    f.title = it->get<std::string>();
  }
  if (f.title.empty()) return field_invalid("title", "Title cannot be blank");
  if (auto it = in.find("description"); it != in.end() && it->is_string()) {
    f.description = it->get<std::string>();
  }
  for (auto [key, out] :
       {std::pair<const char*, bool*>{"active", &f.active}, {"required", &f.required}}) {
    if (auto it = in.find(key); it != in.end()) {
      if (!it->is_boolean()) return field_invalid(key, std::string(key) + " must be true or false");
      *out = it->get<bool>();
    }
  }
  if (auto it = in.find("position"); it != in.end() && it->is_number_integer()) {
    f.position = it->get<int64_t>();
  }
  const bool dropdown = f.type == "tagger" || f.type == "multiselect";
  if (auto it = in.find("custom_field_options"); it != in.end() && dropdown) {
    if (!it->is_array()) {
      return field_invalid("custom_field_options", "custom_field_options must be an array");
    }
    std::vector<SimFieldOption> options;
    std::set<std::string> values;
    for (const auto& o : *it) {
      if (!o.is_object() || !o.contains("name") || !o["name"].is_string() ||
          o["name"].get<std::string>().empty()) {
        return field_invalid("custom_field_options", "Each option needs a name");
      }
      if (!o.contains("value") || !o["value"].is_string() ||
          !is_tag_value(o["value"].get<std::string>())) {
        return field_invalid("custom_field_options",
                             "Each option needs a tag value (lower-case, no spaces)");
      }
      SimFieldOption option;
      option.name = o["name"].get<std::string>();
      option.value = o["value"].get<std::string>();
      option.is_default = o.value("default", false);
      if (!values.insert(option.value).second) {
        return field_invalid("custom_field_options",
                             "Option value " + option.value + " is used more than once");
      }
      // Options keep their id when named by id or when their value is unchanged.
      for (const auto& old : f.options) {
        const bool same_id =
            o.contains("id") && o["id"].is_number_integer() && o["id"].get<int64_t>() == old.id;
        if (same_id || old.value == option.value) option.id = old.id;
      }
      if (option.id == 0) option.id = next_option_id++;
      options.push_back(std::move(option));
    }
    f.options = std::move(options);
  }
  if (dropdown && f.options.empty()) {
    return field_invalid("custom_field_options", "A drop-down field needs at least one option");
  }
  return std::nullopt;
}

std::vector<SimTicketField> system_ticket_fields(int64_t first_id, Instant now) {
  const std::pair<const char*, const char*> kSystem[] = {
      {"subject", "Subject"},  {"description", "Description"}, {"status", "Status"},
      {"tickettype", "Type"},  {"priority", "Priority"},       {"group", "Group"},
      {"assignee", "Assignee"}};
  std::vector<SimTicketField> out;
  int64_t position = 0;
  for (const auto& [type, title] : kSystem) {
    SimTicketField f;
    f.id = first_id++;
    f.type = type;
    f.title = title;
    f.removable = false;
    f.position = position++;
    f.created_at = now;
    f.updated_at = now;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace tierd::sim
