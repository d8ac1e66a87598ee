// The Zendesk API handlers of SimService (/api/v2/...). Each takes the state
// lock for its own work.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

#include "sim/zendesk/auth.h"
#include "sim/zendesk/paging.h"
#include "sim/zendesk/responses.h"
#include "sim/zendesk/rest_json.h"
#include "sim/zendesk/sim_service.h"
#include "zendesk/webhook_signature.h"

namespace tierd::sim {

using nlohmann::json;

namespace {

// The export cursor: the last change sequence returned and the start_time
// the stream began with. Opaque to clients.
std::string encode_cursor(int64_t seq, int64_t start_time) {
  return base64_encode(std::to_string(seq) + ":" + std::to_string(start_time));
}

bool decode_cursor(const std::string& cursor, int64_t& seq, int64_t& start_time) {
  auto text = base64_decode(cursor);
  if (!text) return false;
  auto colon = text->find(':');
  if (colon == std::string::npos) return false;
  try {
    seq = std::stoll(text->substr(0, colon));
    start_time = std::stoll(text->substr(colon + 1));
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

// The ids of a show_many request (?ids=1,2,3), at most 100 of them; the
// error to answer when the list is missing or not a list of ids.
std::optional<SimResponse> read_id_list(const SimRequest& request, std::set<int64_t>& wanted) {
  auto ids = request.query.find("ids");
  if (ids == request.query.end()) return error_response(400, "InvalidParameter", "ids is required");
  std::stringstream list(ids->second);
  for (std::string part; std::getline(list, part, ',');) {
    if (part.empty() || part.size() > 18 || !std::all_of(part.begin(), part.end(), ::isdigit)) {
      return error_response(400, "InvalidParameter", "ids must be a comma-separated list of ids");
    }
    wanted.insert(std::stoll(part));
  }
  if (wanted.size() > 100) return error_response(400, "InvalidParameter", "at most 100 ids");
  return std::nullopt;
}

}  // namespace

SimResponse SimService::api_get_ticket(int64_t id) {
  MutexLock lock(mutex_);
  auto it = state_.tickets.find(id);
  if (it == state_.tickets.end()) return error_response(404, "RecordNotFound", "Not found");
  return json_response(200, {{"ticket", ticket_json(it->second, base_url_)}});
}

SimResponse SimService::api_show_many_tickets(const SimRequest& request) {
  // GET /api/v2/tickets/show_many?ids=1,2,3: the known ones, in id order.
  std::set<int64_t> wanted;
  if (auto bad = read_id_list(request, wanted)) return *bad;
  MutexLock lock(mutex_);
  json tickets = json::array();
  for (int64_t id : wanted) {
    auto it = state_.tickets.find(id);
    if (it != state_.tickets.end()) tickets.push_back(ticket_json(it->second, base_url_));
  }
  return json_response(200, {{"tickets", tickets},
                             {"next_page", nullptr},
                             {"previous_page", nullptr},
                             {"count", tickets.size()}});
}

SimResponse SimService::api_create_ticket(const json& body) {
  const json& fields = ticket_object(body);
  if (!fields.is_object())
    return error_response(400, "InvalidParameter", "expected {\"ticket\":{}}");
  MutexLock lock(mutex_);
  WriteContext ctx{kApiUserId, "api", WriteForm::kSingle, now()};
  TicketChanges changes;
  // An explicit id is only honoured on the control API.
  json without_id = fields;
  without_id.erase("id");
  auto id = create_ticket(state_, without_id, ctx, &changes);
  if (!id.ok()) return status_response(id.status());
  emit_events_locked(*id, changes, kApiUserId);
  const SimTicket& t = state_.tickets.at(*id);
  spdlog::info("event=ticket_created ticket={} via=api", *id);
  return json_response(201, {{"ticket", ticket_json(t, base_url_)},
                             {"audit", audit_json(t, changes, kApiUserId, "api")}});
}

SimResponse SimService::api_update_ticket(int64_t id, const json& body) {
  const json& fields = ticket_object(body);
  if (!fields.is_object())
    return error_response(400, "InvalidParameter", "expected {\"ticket\":{}}");
  MutexLock lock(mutex_);
  WriteContext ctx{kApiUserId, "api", WriteForm::kSingle, now()};
  auto changes = apply_ticket_update(state_, id, fields, ctx);
  if (!changes.ok()) {
    spdlog::info("event=ticket_update_refused ticket={} reason={}", id,
                 status_code_name(changes.status().code()));
    return status_response(changes.status());
  }
  emit_events_locked(id, *changes, kApiUserId);
  const SimTicket& t = state_.tickets.at(id);
  return json_response(200, {{"ticket", ticket_json(t, base_url_)},
                             {"audit", audit_json(t, *changes, kApiUserId, "api")}});
}

SimResponse SimService::api_comments(int64_t id, const SimRequest& request) {
  MutexLock lock(mutex_);
  auto it = state_.tickets.find(id);
  if (it == state_.tickets.end()) return error_response(404, "RecordNotFound", "Not found");
  std::vector<const SimComment*> comments;
  for (const auto& c : it->second.comments) comments.push_back(&c);
  auto order = request.query.find("sort_order");
  if (order != request.query.end() && order->second == "desc") {
    std::reverse(comments.begin(), comments.end());
  }
  return list_response(request, "comments",
                       cursor_keys(comments, [](const SimComment* c) { return c->id; }),
                       base_url_ + "/api/v2/tickets/" + std::to_string(id) + "/comments.json",
                       [&](size_t i) { return comment_json(*comments[i]); });
}

SimResponse SimService::api_tags(int64_t id, const std::string& method, const json& body) {
  MutexLock lock(mutex_);
  auto it = state_.tickets.find(id);
  if (it == state_.tickets.end()) return error_response(404, "RecordNotFound", "Not found");
  if (method == "GET") return json_response(200, {{"tags", it->second.tags}});
  TagEdit edit;
  if (method == "PUT") {
    edit = TagEdit::kAdd;
  } else if (method == "DELETE") {
    edit = TagEdit::kRemove;
  } else if (method == "POST") {
    edit = TagEdit::kSet;
  } else {
    return error_response(404, "InvalidEndpoint", "Not found");
  }
  WriteContext ctx{kApiUserId, "api", WriteForm::kSingle, now()};
  auto changes = apply_tag_edit(state_, id, edit, body, ctx);
  if (!changes.ok()) return status_response(changes.status());
  emit_events_locked(id, *changes, kApiUserId);
  return json_response(method == "POST" ? 201 : 200, {{"tags", state_.tickets.at(id).tags}});
}

SimResponse SimService::api_export(const SimRequest& request) {
  int64_t after_seq = 0;
  int64_t start_time = 0;
  if (auto c = request.query.find("cursor"); c != request.query.end()) {
    if (!decode_cursor(c->second, after_seq, start_time)) {
      return error_response(422, "InvalidValue", "cursor is not valid");
    }
  } else if (auto st = query_int(request, "start_time")) {
    start_time = *st;
  } else {
    return error_response(422, "InvalidValue", "start_time or cursor is required");
  }
  const size_t per_page = static_cast<size_t>(
      std::clamp<int64_t>(query_int(request, "per_page").value_or(1000), 1, 1000));
  // Changes from the last minute (by default) are left out, as Zendesk does
  // since 2024; the cursor stops before them so they come on a later call.
  const Instant cutoff = now() - std::chrono::seconds(options_.export_exclusion_seconds);
  const Instant start = from_unix_ms(start_time * 1000);

  MutexLock lock(mutex_);
  std::vector<const SimTicket*> candidates;
  for (const auto& [id, t] : state_.tickets) {
    if (t.change_seq > after_seq && t.updated_at >= start) candidates.push_back(&t);
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const SimTicket* a, const SimTicket* b) { return a->change_seq < b->change_seq; });
  json tickets = json::array();
  int64_t last_seq = after_seq;
  bool end_of_stream = true;
  for (const SimTicket* t : candidates) {
    if (t->updated_at > cutoff) break;
    if (tickets.size() == per_page) {
      end_of_stream = false;
      break;
    }
    tickets.push_back(ticket_json(*t, base_url_));
    last_seq = t->change_seq;
  }
  const std::string after_cursor = encode_cursor(last_seq, start_time);
  const std::string before_cursor = encode_cursor(after_seq, start_time);
  const std::string url =
      base_url_ + "/api/v2/incremental/tickets/cursor.json?per_page=" + std::to_string(per_page) +
      "&cursor=";
  return json_response(200, {{"tickets", tickets},
                             {"after_cursor", after_cursor},
                             {"after_url", url + after_cursor},
                             {"before_cursor", before_cursor},
                             {"before_url", url + before_cursor},
                             {"end_of_stream", end_of_stream}});
}

SimResponse SimService::api_users(const std::vector<std::string>& p, const SimRequest& request) {
  MutexLock lock(mutex_);
  if (p.size() == 2 && p[1] == "show_many") {
    // GET /api/v2/users/show_many?ids=1,2,3: the known ones, in id order.
    std::set<int64_t> wanted;
    if (auto bad = read_id_list(request, wanted)) return *bad;
    json list_json = json::array();
    for (int64_t id : wanted) {
      if (const SimUser* user = state_.find_user(id)) {
        list_json.push_back(user_json(*user, base_url_));
      }
    }
    return json_response(200, {{"users", list_json},
                               {"next_page", nullptr},
                               {"previous_page", nullptr},
                               {"count", list_json.size()}});
  }
  if (p.size() == 2) {
    int64_t id = kApiUserId;
    if (p[1] != "me") {
      if (p[1].size() > 18 || !std::all_of(p[1].begin(), p[1].end(), ::isdigit)) {
        return error_response(404, "RecordNotFound", "Not found");
      }
      id = std::stoll(p[1]);
    }
    const SimUser* user = state_.find_user(id);
    if (!user) return error_response(404, "RecordNotFound", "Not found");
    return json_response(200, {{"user", user_json(*user, base_url_)}});
  }
  if (p.size() != 1) return error_response(404, "InvalidEndpoint", "Not found");
  std::string role;
  if (auto it = request.query.find("role"); it != request.query.end()) role = it->second;
  if (auto it = request.query.find("role[]"); it != request.query.end()) role = it->second;
  std::vector<const SimUser*> users;
  for (const auto& [id, u] : state_.users) {
    if (role.empty() || u.role == role) users.push_back(&u);
  }
  // A copy: the renderer runs under the lock, but the analysis cannot follow it.
  const std::string base = base_url_;
  return list_response(request, "users", cursor_keys(users, [](const SimUser* u) { return u->id; }),
                       base + "/api/v2/users.json",
                       [&](size_t i) { return user_json(*users[i], base); });
}

SimResponse SimService::memberships_locked(std::optional<int64_t> group, const SimRequest& request,
                                           const std::string& url) const {
  std::vector<const SimMembership*> list;
  for (const auto& [id, m] : state_.memberships) {
    if (!group || m.group_id == *group) list.push_back(&m);
  }
  const std::string base = base_url_;  // see api_users()
  return list_response(request, "group_memberships",
                       cursor_keys(list, [](const SimMembership* m) { return m->id; }), url,
                       [&](size_t i) { return membership_json(*list[i], base); });
}

SimResponse SimService::api_groups(const std::vector<std::string>& p, const SimRequest& request) {
  MutexLock lock(mutex_);
  if (p[0] == "group_memberships") {
    if (p.size() != 1) return error_response(404, "InvalidEndpoint", "Not found");
    return memberships_locked(std::nullopt, request, base_url_ + "/api/v2/group_memberships.json");
  }
  if (p.size() == 1) {
    std::vector<const SimGroup*> groups;
    for (const auto& [id, g] : state_.groups) groups.push_back(&g);
    const std::string base = base_url_;  // see api_users()
    return list_response(
        request, "groups", cursor_keys(groups, [](const SimGroup* g) { return g->id; }),
        base + "/api/v2/groups.json", [&](size_t i) { return group_json(*groups[i], base); });
  }
  if (p[1].size() > 18 || !std::all_of(p[1].begin(), p[1].end(), ::isdigit)) {
    return error_response(404, "RecordNotFound", "Not found");
  }
  const int64_t id = std::stoll(p[1]);
  auto it = state_.groups.find(id);
  if (it == state_.groups.end()) return error_response(404, "RecordNotFound", "Not found");
  if (p.size() == 2) return json_response(200, {{"group", group_json(it->second, base_url_)}});
  if (p.size() == 3 && p[2] == "memberships") {
    return memberships_locked(id, request,
                              base_url_ + "/api/v2/groups/" + p[1] + "/memberships.json");
  }
  return error_response(404, "InvalidEndpoint", "Not found");
}

}  // namespace tierd::sim
