#include "zendesk/account_client.h"

#include <utility>

#include "helpdesk/json_ids.h"

namespace tierd::zendesk {

using nlohmann::json;

namespace {

std::string hint_for(StatusCode code) {
  switch (code) {
    case StatusCode::kUnauthenticated:
      return "the credentials were refused (check zendesk.email and the API token)";
    case StatusCode::kPermissionDenied:
      return "the API user is not an admin (webhooks and ticket fields need an admin)";
    case StatusCode::kNotFound:
      return "not found";
    case StatusCode::kResourceExhausted:
      return "rate limited by Zendesk; run setup again in a minute";
    case StatusCode::kInvalidArgument:
      return "Zendesk refused the request";
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return "Zendesk could not be reached or failed; check zendesk.base_url and try again";
    default:
      return "";
  }
}

// The failure with a hint for the admin appended.
Status with_hint(const Status& s) {
  const std::string hint = hint_for(s.code());
  return Status(s.code(), hint.empty() ? s.message() : s.message() + ": " + hint);
}

std::string string_of(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

json webhook_body(const WebhookInfo& spec) {
  json w = {{"name", spec.name},
            {"status", spec.status},
            {"endpoint", spec.endpoint},
            {"http_method", spec.http_method},
            {"request_format", spec.request_format},
            {"subscriptions", spec.subscriptions}};
  if (!spec.description.empty()) w["description"] = spec.description;
  return {{"webhook", w}};
}

json options_json(const std::vector<FieldOption>& options) {
  json out = json::array();
  for (const auto& o : options) {
    json option = {{"name", o.name}, {"value", o.value}};
    if (o.id != 0) option["id"] = o.id;
    out.push_back(std::move(option));
  }
  return out;
}

}  // namespace

Result<TicketFieldInfo> parse_ticket_field(const json& f) {
  if (!f.is_object()) return Status::InvalidArgument("ticket field: expected an object");
  auto id = f.contains("id") ? id_from_json(f.at("id")) : std::nullopt;
  if (!id) return Status::InvalidArgument("ticket field: no usable id");
  TicketFieldInfo out;
  out.id = *id;
  out.type = string_of(f, "type");
  out.title = string_of(f, "title");
  if (auto it = f.find("active"); it != f.end() && it->is_boolean()) out.active = it->get<bool>();
  if (auto it = f.find("custom_field_options"); it != f.end() && it->is_array()) {
    for (const auto& o : *it) {
      if (!o.is_object()) continue;
      FieldOption option;
      option.id = o.contains("id") ? id_from_json(o.at("id")).value_or(0) : 0;
      option.name = string_of(o, "name");
      option.value = string_of(o, "value");
      out.options.push_back(std::move(option));
    }
  }
  return out;
}

Result<WebhookInfo> parse_webhook(const json& w) {
  if (!w.is_object()) return Status::InvalidArgument("webhook: expected an object");
  WebhookInfo out;
  out.id = string_of(w, "id");
  if (out.id.empty()) return Status::InvalidArgument("webhook: no id");
  out.name = string_of(w, "name");
  out.status = string_of(w, "status");
  out.endpoint = string_of(w, "endpoint");
  out.http_method = string_of(w, "http_method");
  out.request_format = string_of(w, "request_format");
  out.description = string_of(w, "description");
  if (auto it = w.find("subscriptions"); it != w.end() && it->is_array()) {
    for (const auto& s : *it) {
      if (s.is_string()) out.subscriptions.push_back(s.get<std::string>());
    }
  }
  return out;
}

ZendeskAccountClient::ZendeskAccountClient(ZendeskApiOptions options) : api_(std::move(options)) {}

Result<json> ZendeskAccountClient::call(const std::string& method, const std::string& path,
                                        const json* body) {
  auto answer = api_.request(method, path, body);
  if (answer.ok()) return answer;
  return with_hint(answer.status());
}

Result<UserInfo> ZendeskAccountClient::me() {
  auto user = api_.current_user();
  if (user.ok()) return user;
  return with_hint(user.status());
}

Result<std::optional<GroupInfo>> ZendeskAccountClient::group(GroupId id) {
  auto answer = api_.request("GET", "/api/v2/groups/" + std::to_string(id) + ".json", nullptr);
  if (!answer.ok()) {
    if (answer.status().code() == StatusCode::kNotFound) return std::optional<GroupInfo>();
    return with_hint(answer.status());
  }
  const json g = answer->value("group", json::object());
  GroupInfo info;
  info.id = id;
  info.name = string_of(g, "name");
  if (auto it = g.find("deleted"); it != g.end() && it->is_boolean()) info.deleted = *it;
  return std::optional<GroupInfo>(info);
}

Result<std::vector<UserInfo>> ZendeskAccountClient::users(const std::vector<UserId>& ids) {
  if (ids.empty()) return std::vector<UserInfo>();
  auto users = api_.users_by_ids(ids);
  if (users.ok()) return users;
  return with_hint(users.status());
}

Result<std::optional<TicketFieldInfo>> ZendeskAccountClient::ticket_field(int64_t id) {
  const std::string path = "/api/v2/ticket_fields/" + std::to_string(id) + ".json";
  auto answer = api_.request("GET", path, nullptr);
  if (!answer.ok()) {
    if (answer.status().code() == StatusCode::kNotFound) return std::optional<TicketFieldInfo>();
    return with_hint(answer.status());
  }
  auto field = parse_ticket_field(answer->value("ticket_field", json()));
  if (!field.ok())
    return Status::Unavailable("zendesk GET " + path + ": " + field.status().message());
  return std::optional<TicketFieldInfo>(std::move(*field));
}

Result<std::vector<TicketFieldInfo>> ZendeskAccountClient::ticket_fields() {
  // The endpoint documents cursor paging only (no per_page/next_page).
  std::vector<TicketFieldInfo> fields;
  Status s = api_.for_each_listed("/api/v2/ticket_fields.json", "ticket_fields", [&](const json& f) {
    auto field = parse_ticket_field(f);
    if (field.ok()) fields.push_back(std::move(*field));
    return true;
  });
  if (!s.ok()) return with_hint(s);
  return fields;
}

Result<TicketFieldInfo> ZendeskAccountClient::create_dropdown_field(
    const std::string& title, const std::string& description,
    const std::vector<FieldOption>& options) {
  const json body = {{"ticket_field",
                      {{"type", "tagger"},
                       {"title", title},
                       {"description", description},
                       {"active", true},
                       {"custom_field_options", options_json(options)}}}};
  auto answer = call("POST", "/api/v2/ticket_fields.json", &body);
  if (!answer.ok()) return answer.status();
  return parse_ticket_field(answer->value("ticket_field", json()));
}

Result<TicketFieldInfo> ZendeskAccountClient::set_field_options(
    int64_t id, const std::vector<FieldOption>& options) {
  const json body = {{"ticket_field", {{"custom_field_options", options_json(options)}}}};
  auto answer = call("PUT", "/api/v2/ticket_fields/" + std::to_string(id) + ".json", &body);
  if (!answer.ok()) return answer.status();
  return parse_ticket_field(answer->value("ticket_field", json()));
}

Result<std::vector<WebhookInfo>> ZendeskAccountClient::webhooks() {
  std::vector<WebhookInfo> hooks;
  Status s = api_.for_each_listed("/api/v2/webhooks", "webhooks", [&](const json& w) {
    auto hook = parse_webhook(w);
    if (hook.ok()) hooks.push_back(std::move(*hook));
    return true;
  });
  if (!s.ok()) return with_hint(s);
  return hooks;
}

Result<WebhookInfo> ZendeskAccountClient::create_webhook(const WebhookInfo& spec) {
  const json body = webhook_body(spec);
  auto answer = call("POST", "/api/v2/webhooks", &body);
  if (!answer.ok()) return answer.status();
  return parse_webhook(answer->value("webhook", json()));
}

Status ZendeskAccountClient::update_webhook(const std::string& id, const WebhookInfo& spec) {
  json patch = json::object();
  for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"name", &spec.name},
                                   {"status", &spec.status},
                                   {"endpoint", &spec.endpoint},
                                   {"http_method", &spec.http_method},
                                   {"request_format", &spec.request_format},
                                   {"description", &spec.description}}) {
    if (!value->empty()) patch[key] = *value;
  }
  if (!spec.subscriptions.empty()) patch["subscriptions"] = spec.subscriptions;
  if (patch.empty()) return Status::Ok();
  const json body = {{"webhook", patch}};
  return call("PATCH", "/api/v2/webhooks/" + id, &body).status();
}

Result<std::string> ZendeskAccountClient::signing_secret(const std::string& webhook_id) {
  const std::string path = "/api/v2/webhooks/" + webhook_id + "/signing_secret";
  auto answer = call("GET", path, nullptr);
  if (!answer.ok()) return answer.status();
  const json secret = answer->value("signing_secret", json::object());
  const std::string value = secret.is_object() ? string_of(secret, "secret") : "";
  if (value.empty())
    return Status::Unavailable("zendesk GET " + path + ": answer without a secret");
  return value;
}

}  // namespace tierd::zendesk
