// The control API of SimService (/sim/...): seeding, changes made by people,
// fault injection and inspection. Not part of Zendesk; no auth, no limits.
#include <spdlog/spdlog.h>

#include "sim/zendesk/responses.h"
#include "sim/zendesk/rest_json.h"
#include "sim/zendesk/sim_service.h"

namespace tierd::sim {

using nlohmann::json;

namespace {

// Accepts {"<key>": {...}}, {"<plural>": [...]}, a bare object or a bare array.
std::vector<json> items_of(const json& body, const char* key, const char* plural) {
  if (body.is_array()) return {body.begin(), body.end()};
  if (body.contains(plural) && body[plural].is_array()) {
    return {body[plural].begin(), body[plural].end()};
  }
  if (body.contains(key) && body[key].is_object()) return {body[key]};
  if (body.is_object()) return {body};
  return {};
}

std::optional<int64_t> int_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) {
    try {
      return std::stoll(it->get<std::string>());
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

SimResponse SimService::seed_users(const json& body) {
  MutexLock lock(mutex_);
  json out = json::array();
  for (const auto& u : items_of(body, "user", "users")) {
    SimUser user;
    auto id = int_field(u, "id");
    user.id = id ? *id : 600001 + static_cast<int64_t>(state_.users.size());
    user.name = u.value("name", "User " + std::to_string(user.id));
    user.email = u.value("email", "user" + std::to_string(user.id) + "@example.com");
    user.role = u.value("role", "agent");
    if (user.role != "agent" && user.role != "admin" && user.role != "end-user") {
      return error_response(422, "RecordInvalid", "role must be agent, admin or end-user");
    }
    user.active = u.value("active", true);
    if (u.contains("tags")) user.tags = read_tags(u["tags"]);
    user.organization_id = int_field(u, "organization_id");
    state_.users[user.id] = user;
    out.push_back(user_json(user, base_url_));
  }
  return json_response(201, {{"users", out}});
}

SimResponse SimService::seed_groups(const json& body) {
  MutexLock lock(mutex_);
  json out = json::array();
  for (const auto& g : items_of(body, "group", "groups")) {
    SimGroup group;
    auto id = int_field(g, "id");
    group.id = id ? *id : 114100 + static_cast<int64_t>(state_.groups.size());
    group.name = g.value("name", "Group " + std::to_string(group.id));
    group.is_default = g.value("default", false);
    state_.groups[group.id] = group;
    out.push_back(group_json(group, base_url_));
  }
  return json_response(201, {{"groups", out}});
}

SimResponse SimService::seed_memberships(const json& body) {
  MutexLock lock(mutex_);
  json out = json::array();
  for (const auto& m : items_of(body, "membership", "memberships")) {
    auto user = int_field(m, "user_id");
    auto group = int_field(m, "group_id");
    if (!user || !state_.find_user(*user) || !group || !state_.groups.count(*group)) {
      return error_response(422, "RecordInvalid", "membership needs a known user_id and group_id");
    }
    if (state_.is_member(*user, *group)) continue;
    SimMembership membership{state_.next_membership_id++, *user, *group, m.value("default", false)};
    state_.memberships[membership.id] = membership;
    out.push_back(membership_json(membership, base_url_));
  }
  return json_response(201, {{"group_memberships", out}});
}

SimResponse SimService::create_ticket_as_requester(const json& body) {
  json fields = body.contains("ticket") ? body["ticket"] : body;
  if (!fields.is_object())
    return error_response(400, "InvalidParameter", "expected a ticket object");
  MutexLock lock(mutex_);
  int64_t requester = int_field(fields, "requester_id").value_or(kDefaultRequesterId);
  if (!state_.find_user(requester)) {
    // People write in before anyone created them; Zendesk makes an end user.
    state_.users[requester] = SimUser{requester,
                                      "Customer " + std::to_string(requester),
                                      "customer" + std::to_string(requester) + "@example.com",
                                      "end-user",
                                      true,
                                      {},
                                      std::nullopt};
  }
  fields["requester_id"] = requester;
  // A person writing in always says something; tests that only care about
  // fields get the subject as the first message.
  if (!fields.contains("comment") && !fields.contains("description")) {
    fields["comment"] = {{"body", fields.value("subject", std::string("(no text)"))}};
  }
  std::string channel = "web_form";
  if (fields.contains("via") && fields["via"].is_object()) {
    channel = fields["via"].value("channel", channel);
  }
  WriteContext ctx{requester, channel, WriteForm::kSingle, now()};
  TicketChanges changes;
  auto id = create_ticket(state_, fields, ctx, &changes);
  if (!id.ok()) return status_response(id.status());
  emit_events_locked(*id, changes, requester);
  const SimTicket& t = state_.tickets.at(*id);
  spdlog::info("event=ticket_created ticket={} via={} group={}", *id, t.channel,
               t.group_id ? std::to_string(*t.group_id) : "none");
  return json_response(201, {{"ticket", ticket_json(t, base_url_)}});
}

SimResponse SimService::update_ticket_as_agent(int64_t id, const json& body) {
  json fields = body.contains("ticket") ? body["ticket"] : body;
  auto actor = int_field(body, "actor_id");
  if (!actor) actor = int_field(fields, "actor_id");
  if (!fields.is_object() || !actor) {
    return error_response(400, "InvalidParameter", "needs a ticket object and actor_id");
  }
  fields.erase("actor_id");
  MutexLock lock(mutex_);
  // Zendesk's automations and triggers act as the system, actor -1.
  const bool by_system = *actor == kSystemActorId;
  const SimUser* user = state_.find_user(*actor);
  if (!user && !by_system) return error_response(422, "RecordInvalid", "unknown actor_id");
  std::string channel = by_system ? "rule" : user->is_staff() ? "web" : "email";
  WriteContext ctx{*actor, channel, WriteForm::kSingle, now()};
  auto changes = apply_ticket_update(state_, id, fields, ctx);
  if (!changes.ok()) return status_response(changes.status());
  emit_events_locked(id, *changes, *actor);
  spdlog::info("event=ticket_changed ticket={} actor={}", id, *actor);
  return json_response(200, {{"ticket", ticket_json(state_.tickets.at(id), base_url_)}});
}

SimResponse SimService::handle_control(const SimRequest& request, const std::string& path) {
  json body = json::object();
  if (request.method != "GET" && !request.body.empty()) {
    body = json::parse(request.body, nullptr, false);
    if (body.is_discarded())
      return error_response(400, "InvalidJSON", "The body is not valid JSON");
  }
  const std::string& m = request.method;
  if (path == "/sim/users" && m == "POST") return seed_users(body);
  if (path == "/sim/groups" && m == "POST") return seed_groups(body);
  if (path == "/sim/memberships" && m == "POST") return seed_memberships(body);
  if (path == "/sim/tickets" && m == "POST") return create_ticket_as_requester(body);
  if (path == "/sim/ticket_fields" && m == "POST") return seed_ticket_fields(body);
  const std::string tickets_prefix = "/sim/tickets/";
  if (path.rfind(tickets_prefix, 0) == 0) {
    int64_t id = 0;
    try {
      id = std::stoll(path.substr(tickets_prefix.size()));
    } catch (const std::exception&) {
      return error_response(404, "RecordNotFound", "Not found");
    }
    if (m == "PUT") return update_ticket_as_agent(id, body);
    if (m == "GET") {
      MutexLock lock(mutex_);
      auto it = state_.tickets.find(id);
      if (it == state_.tickets.end()) return error_response(404, "RecordNotFound", "Not found");
      json ticket = ticket_json(it->second, base_url_);
      json comments = json::array();
      for (const auto& c : it->second.comments) comments.push_back(comment_json(c));
      ticket["comments"] = comments;
      return json_response(200, {{"ticket", ticket}});
    }
  }
  if (path == "/sim/faults") {
    if (m == "DELETE") {
      faults_.clear();
      return json_response(200, {{"faults", json::array()}});
    }
    if (m == "POST") {
      std::vector<Fault> parsed;
      for (const auto& item : items_of(body, "fault", "faults")) {
        auto fault = parse_fault(item);
        if (!fault.ok()) return error_response(422, "InvalidValue", fault.status().message());
        parsed.push_back(*fault);
      }
      for (auto& f : parsed) faults_.add(std::move(f));
    }
    if (m == "POST" || m == "GET") {
      json out = json::array();
      for (const auto& f : faults_.pending()) out.push_back(fault_json(f));
      return json_response(m == "POST" ? 201 : 200, {{"faults", out}});
    }
  }
  if (path == "/sim/token" && m == "POST") {
    MutexLock lock(mutex_);
    token_valid_ = body.value("valid", true);
    return json_response(200, {{"valid", token_valid_}});
  }
  if (path == "/sim/rate_limits" && m == "DELETE") {
    account_limiter_.reset();
    update_limiter_.reset();
    ticket_update_limiter_.reset();
    export_limiter_.reset();
    return json_response(200, json::object());
  }
  if (path == "/sim/requests") {
    MutexLock lock(mutex_);
    if (m == "DELETE") request_log_ = json::array();
    if (m == "GET" || m == "DELETE") return json_response(200, {{"requests", request_log_}});
  }
  if (path == "/sim/webhooks") {
    if (m == "DELETE") webhooks_.clear();
    if (m == "GET" || m == "DELETE") {
      json out = json::array();
      for (const auto& d : webhooks_.deliveries()) out.push_back(delivery_json(d));
      return json_response(200, {{"deliveries", out}, {"paused", webhooks_.paused()}});
    }
  }
  if (path == "/sim/webhooks/pause" && m == "POST") {
    webhooks_.set_paused(true);
    return json_response(200, {{"paused", true}});
  }
  if (path == "/sim/webhooks/resume" && m == "POST") {
    webhooks_.set_paused(false);
    return json_response(200, {{"paused", false}});
  }
  return error_response(404, "InvalidEndpoint", "Not found");
}

}  // namespace tierd::sim
