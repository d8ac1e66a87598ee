// The account-admin API handlers of SimService: the Webhooks API
// (/api/v2/webhooks...) and the Ticket Fields API (/api/v2/ticket_fields...),
// plus the control API's ticket-field seeding. Each takes the state lock for
// its own work.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "sim/zendesk/paging.h"
#include "sim/zendesk/responses.h"
#include "sim/zendesk/sim_service.h"

namespace tierd::sim {

using nlohmann::json;

namespace {

SimResponse api_error(const SimApiError& e) {
  return json_response(e.status, e.body);
}

SimResponse webhook_not_found(const std::string& id) {
  return api_error(webhook_error(404, "NotFound", "Webhook " + id + " not found"));
}

SimResponse no_content() {
  SimResponse r;
  r.status = 204;
  r.body = nullptr;
  return r;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<int64_t> numeric(const std::string& s) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), ::isdigit)) {
    return std::nullopt;
  }
  return std::stoll(s);
}

}  // namespace

SimResponse SimService::api_webhooks(const SimRequest& request, const std::vector<std::string>& p,
                                     const json& body) {
  const std::string& m = request.method;
  MutexLock lock(mutex_);
  if (p.size() == 1 && m == "GET") {
    // The Webhooks API pages by cursor only, and filters by name.
    std::string name_contains;
    if (auto it = request.query.find("filter[name_contains]"); it != request.query.end()) {
      name_contains = lower(it->second);
    }
    std::vector<const SimWebhook*> listed;
    std::vector<std::string> keys;
    for (const auto& [id, w] : state_.webhooks) {
      if (!name_contains.empty() && lower(w.name).find(name_contains) == std::string::npos) {
        continue;
      }
      listed.push_back(&w);
      keys.push_back(id);
    }
    SimRequest paged = request;
    if (!wants_cursor_paging(paged)) paged.query["page[size]"] = "100";
    CursorPage page = cursor_paginate(paged, keys, base_url_ + "/api/v2/webhooks");
    if (!page.error.empty()) {
      return api_error(webhook_error(400, "InvalidPaginationParameter", page.error));
    }
    json list = json::array();
    for (size_t i = page.begin; i < page.end; ++i) list.push_back(webhook_json(*listed[i]));
    return json_response(200, {{"webhooks", list}, {"meta", page.meta}, {"links", page.links}});
  }
  if (p.size() == 1 && m == "POST") {
    SimWebhook w;
    if (auto e = apply_webhook_fields(w, body, WebhookWrite::kCreate, std::nullopt)) {
      return api_error(*e);
    }
    w.id = new_webhook_id(now(), rng_);
    while (state_.webhooks.count(w.id)) w.id = new_webhook_id(now(), rng_);
    w.created_by = std::to_string(kApiUserId);
    w.created_at = w.updated_at = whole_seconds(now());
    w.signing_secret = new_signing_secret(rng_);
    spdlog::info("event=webhook_created webhook={} status={} subscriptions={}", w.id, w.status,
                 w.subscriptions.size());
    auto [it, inserted] = state_.webhooks.emplace(w.id, std::move(w));
    return json_response(201, {{"webhook", webhook_json(it->second)}});
  }
  if (p.size() < 2) return error_response(404, "InvalidEndpoint", "Not found");
  auto it = state_.webhooks.find(p[1]);
  if (it == state_.webhooks.end()) return webhook_not_found(p[1]);
  SimWebhook& w = it->second;
  if (p.size() == 2) {
    if (m == "GET") return json_response(200, {{"webhook", webhook_json(w)}});
    if (m == "PUT" || m == "PATCH") {
      SimWebhook changed = w;
      const WebhookWrite how = m == "PUT" ? WebhookWrite::kPut : WebhookWrite::kPatch;
      if (auto e = apply_webhook_fields(changed, body, how, w.subscribes_to_events())) {
        return api_error(*e);
      }
      changed.updated_at = whole_seconds(now());
      w = std::move(changed);
      spdlog::info("event=webhook_updated webhook={} status={}", w.id, w.status);
      return no_content();
    }
    if (m == "DELETE") {
      state_.webhooks.erase(it);
      return no_content();
    }
  }
  if (p.size() == 3 && p[2] == "signing_secret") {
    if (m == "POST") w.signing_secret = new_signing_secret(rng_);
    if (m == "GET" || m == "POST") {
      return json_response(
          m == "POST" ? 201 : 200,
          {{"signing_secret", {{"algorithm", "SHA256"}, {"secret", w.signing_secret}}}});
    }
  }
  return error_response(404, "InvalidEndpoint", "Not found");
}

SimResponse SimService::create_ticket_field_locked(const json& body, std::optional<int64_t> id) {
  SimTicketField f;
  if (auto e = apply_ticket_field(f, body, true, state_.next_field_option_id)) {
    return api_error(*e);
  }
  f.id = id ? *id : state_.next_ticket_field_id++;
  if (state_.ticket_fields.count(f.id)) {
    return error_response(422, "RecordInvalid", "a ticket field with this id exists");
  }
  f.created_at = f.updated_at = whole_seconds(now());
  if (f.position == 0) f.position = static_cast<int64_t>(state_.ticket_fields.size());
  spdlog::info("event=ticket_field_created field={} type={}", f.id, f.type);
  auto [it, inserted] = state_.ticket_fields.emplace(f.id, std::move(f));
  return json_response(201, {{"ticket_field", ticket_field_json(it->second, base_url_)}});
}

SimResponse SimService::api_ticket_fields(const SimRequest& request,
                                          const std::vector<std::string>& p, const json& body) {
  const std::string& m = request.method;
  MutexLock lock(mutex_);
  if (p.size() == 1 && m == "GET") {
    std::vector<const SimTicketField*> fields;
    for (const auto& [id, f] : state_.ticket_fields) fields.push_back(&f);
    std::stable_sort(
        fields.begin(), fields.end(),
        [](const SimTicketField* a, const SimTicketField* b) { return a->position < b->position; });
    // Zendesk documents cursor paging for this endpoint, and no offset
    // paging: without page[size] every field comes in one answer. The
    // renderer runs under this lock; it reads a copy of base_url_ so that the
    // thread-safety analysis, which cannot follow the lambda, sees no access.
    const std::string base = base_url_;
    return list_response(
        request, "ticket_fields", cursor_keys(fields, [](const SimTicketField* f) { return f->id; }),
        base + "/api/v2/ticket_fields.json",
        [&](size_t i) { return ticket_field_json(*fields[i], base); }, WithoutCursor::kAll);
  }
  if (p.size() == 1 && m == "POST") return create_ticket_field_locked(body, std::nullopt);
  if (p.size() != 2) return error_response(404, "InvalidEndpoint", "Not found");
  auto id = numeric(p[1]);
  auto it = id ? state_.ticket_fields.find(*id) : state_.ticket_fields.end();
  if (it == state_.ticket_fields.end()) return error_response(404, "RecordNotFound", "Not found");
  if (m == "GET") {
    return json_response(200, {{"ticket_field", ticket_field_json(it->second, base_url_)}});
  }
  if (m == "PUT") {
    SimTicketField changed = it->second;
    if (auto e = apply_ticket_field(changed, body, false, state_.next_field_option_id)) {
      return api_error(*e);
    }
    changed.updated_at = whole_seconds(now());
    it->second = std::move(changed);
    spdlog::info("event=ticket_field_updated field={}", it->first);
    return json_response(200, {{"ticket_field", ticket_field_json(it->second, base_url_)}});
  }
  return error_response(404, "InvalidEndpoint", "Not found");
}

SimResponse SimService::seed_ticket_fields(const json& body) {
  MutexLock lock(mutex_);
  json wrapped = body.contains("ticket_field") ? body : json{{"ticket_field", body}};
  std::optional<int64_t> id;
  if (auto it = wrapped["ticket_field"].find("id");
      it != wrapped["ticket_field"].end() && it->is_number_integer()) {
    id = it->get<int64_t>();
  }
  return create_ticket_field_locked(wrapped, id);
}

}  // namespace tierd::sim
