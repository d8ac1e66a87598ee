#include "freshdesk/api_client.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>

#include "freshdesk/export_cursor.h"
#include "freshdesk/webhook_payload.h"
#include "helpdesk/http_status.h"
#include "helpdesk/json_ids.h"
#include "helpdesk/text_codec.h"

namespace tierd::freshdesk {

using nlohmann::json;

namespace {

constexpr size_t kMaxErrorTextBytes = 500;
// TicketSnapshot::description: "truncated to 4 KiB by adapters".
constexpr size_t kMaxTicketDescriptionBytes = 4096;

std::optional<Instant> instant_member(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  auto t = parse_instant(it->get<std::string>());
  return t.ok() ? std::optional<Instant>(*t) : std::nullopt;
}

std::string text_member(const json& obj, const char* key) {
  auto it = obj.is_object() ? obj.find(key) : obj.end();
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int64_t> whole_number(std::string_view text) {
  auto n = int64_from_text(text);
  if (!n || *n < 0) return std::nullopt;
  return n;
}

bool name_is(const std::string& name, std::string_view wanted) {
  return name.size() == wanted.size() && ascii_lower(name) == wanted;
}

std::string ticket_path(TicketId id) {
  return "/api/v2/tickets/" + std::to_string(id);
}

// What 401 and 403 mean for tierd's operator.
std::string hint_for(int http_status) {
  if (http_status == 401) {
    return " (Freshdesk refused the API key: check freshdesk.api_key, the key of an active agent)";
  }
  if (http_status == 403) {
    return " (the API key's agent lacks the permission or the plan lacks the feature; groups and "
           "agents need an admin role)";
  }
  return "";
}

// Writes only bulk_update can carry, so that two updates can share one job.
json bulk_properties(const TicketUpdate& u) {
  json p = json::object();
  if (u.group_id) p["group_id"] = *u.group_id;
  if (u.set_assignee) p["responder_id"] = u.assignee_id ? json(*u.assignee_id) : json(nullptr);
  if (u.tags) p["tags"] = *u.tags;
  return p;
}

// Whether `current` already holds every ticket field the update sets
// (group, assignee; of the tags, every one it keeps or adds and none it
// takes away), with at least one field to compare. Then the change since
// updated_stamp overwrote none of them, and is most likely the update's own
// PUT from an attempt cut off before its note, perhaps followed by an
// agent's tag, which must stay.
bool holds_update_fields(const TicketSnapshot& current, const TicketUpdate& u) {
  if (!u.group_id && !u.set_assignee && !u.tags) return false;
  if (u.group_id && current.group_id != u.group_id) return false;
  if (u.set_assignee && current.assignee_id != u.assignee_id) return false;
  if (!u.tags) return true;
  if (!current.tags_known) return false;
  auto has = [&current](const std::string& tag) {
    return std::find(current.tags.begin(), current.tags.end(), tag) != current.tags.end();
  };
  const std::vector<std::string> kept = normalize_tags(*u.tags);
  const std::vector<std::string> removed = normalize_tags(u.tags_removed);
  return std::all_of(kept.begin(), kept.end(), has) &&
         std::none_of(removed.begin(), removed.end(), has);
}

void warn_custom_fields_skipped_once() {
  static std::atomic<bool> warned{false};
  if (!warned.exchange(true)) {
    spdlog::warn(
        "event=freshdesk_custom_fields_skipped numbered custom fields cannot name a Freshdesk "
        "field (Freshdesk keys them by name, cf_...); clearing them is skipped");
  }
}

}  // namespace

Result<TicketSnapshot> parse_freshdesk_ticket(const json& t) {
  if (!t.is_object()) return Status::InvalidArgument("freshdesk ticket: expected an object");
  TicketSnapshot s;
  auto id = t.contains("id") ? id_from_json(t.at("id")) : std::nullopt;
  if (!id || *id <= 0) return Status::InvalidArgument("freshdesk ticket: no usable id");
  s.id = *id;
  if (auto it = t.find("status"); it != t.end() && !it->is_null()) {
    auto code = id_from_json(*it);
    if (!code) return Status::InvalidArgument("freshdesk ticket: status is not a number");
    s.status = status_from_code(*code);
  }
  if (auto it = t.find("priority"); it != t.end() && !it->is_null()) {
    auto code = id_from_json(*it);
    if (!code) return Status::InvalidArgument("freshdesk ticket: priority is not a number");
    s.priority = priority_from_code(*code);
  }
  s.group_id = optional_id_member(t, "group_id");
  s.assignee_id = optional_id_member(t, "responder_id");
  if (auto it = t.find("tags"); it != t.end() && !it->is_null()) {
    if (!it->is_array()) return Status::InvalidArgument("freshdesk ticket: tags is not an array");
    std::vector<std::string> tags;
    for (const auto& tag : *it) {
      if (tag.is_string()) tags.push_back(tag.get<std::string>());
    }
    s.tags = normalize_tags(std::move(tags));
    s.tags_known = true;
  }
  s.created_at = instant_member(t, "created_at");
  s.updated_at = instant_member(t, "updated_at");
  s.requester_id = optional_id_member(t, "requester_id");
  s.organization_id = optional_id_member(t, "company_id");
  if (auto it = t.find("source"); it != t.end() && !it->is_null()) {
    if (auto code = id_from_json(*it)) s.channel = channel_from_code(*code);
  }
  s.subject = text_member(t, "subject");
  std::string description = text_member(t, "description_text");
  if (description.empty()) description = text_member(t, "description");
  s.description = truncate_utf8(description, kMaxTicketDescriptionBytes);
  return s;
}

Result<JobStatus> parse_freshdesk_job(const json& job) {
  if (!job.is_object()) return Status::Unavailable("freshdesk job: the answer is not an object");
  JobStatus out;
  if (auto it = job.find("id"); it != job.end()) {
    out.id = it->is_string() ? it->get<std::string>() : (it->is_number() ? it->dump() : "");
  }
  std::string status = ascii_lower(text_member(job, "status"));
  std::replace(status.begin(), status.end(), '_', ' ');
  if (status == "in progress") {
    out.status = "working";
  } else if (status == "completed" || status == "success" || status == "done") {
    out.status = "completed";
  } else {
    out.status = status;  // "queued", "failed", or one not documented (not finished)
  }
  auto items = job.find("data");
  if (items == job.end() || !items->is_array()) items = job.find("results");
  if (items == job.end() || !items->is_array()) return out;
  for (const auto& r : *items) {
    if (!r.is_object()) continue;
    BulkItemResult item;
    item.ticket_id = r.contains("id") ? id_from_json(r["id"]).value_or(0) : 0;
    const bool has_error = r.contains("error") && !r["error"].is_null() &&
                           !(r["error"].is_string() && r["error"].get<std::string>().empty());
    item.success = r.contains("success") && r["success"].is_boolean() && r["success"].get<bool>() &&
                   !has_error;
    if (!item.success) {
      item.error =
          has_error ? (r["error"].is_string() ? r["error"].get<std::string>() : r["error"].dump())
                    : "failed without an error";
    }
    out.results.push_back(std::move(item));
  }
  return out;
}

RateLimitReport parse_freshdesk_rate_limit_headers(
    const std::vector<std::pair<std::string, std::string>>& headers, int http_status) {
  RateLimitReport r;
  r.refused = http_status == 429;
  for (const auto& [name, value] : headers) {
    if (name_is(name, "x-ratelimit-total")) {
      if (auto n = whole_number(value); n && *n > 0 && *n <= 1'000'000 && !r.limit) {
        r.limit = static_cast<int>(*n);
      }
    } else if (name_is(name, "x-ratelimit-remaining")) {
      if (auto n = whole_number(value); n && *n <= 1'000'000 && !r.remaining) {
        r.remaining = static_cast<int>(*n);
      }
    } else if (name_is(name, "retry-after")) {
      if (auto n = whole_number(value); n && !r.retry_after) {
        r.retry_after = std::chrono::seconds(*n);
      }
    }
  }
  return r;
}

std::string freshdesk_error_text(const std::string& body) {
  if (body.empty()) return "";
  const json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return "";
  std::string out = text_member(parsed, "description");
  if (out.empty()) out = text_member(parsed, "message");
  if (auto errors = parsed.find("errors"); errors != parsed.end() && errors->is_array()) {
    bool first = true;
    for (const auto& e : *errors) {
      if (!e.is_object()) continue;
      std::string one;
      if (std::string field = text_member(e, "field"); !field.empty()) one = field + ": ";
      one += text_member(e, "message");
      if (std::string code = text_member(e, "code"); !code.empty()) one += " (" + code + ")";
      out += (out.empty() ? "" : (first ? ": " : "; ")) + one;
      first = false;
    }
  }
  return truncate_utf8(out, kMaxErrorTextBytes);
}

bool link_has_next(const std::string& link) {
  // <https://d.freshdesk.com/api/v2/tickets?page=2>; rel="next", possibly
  // among other links.
  std::string lower = ascii_lower(link);
  lower.erase(std::remove(lower.begin(), lower.end(), ' '), lower.end());
  return lower.find("rel=\"next\"") != std::string::npos ||
         lower.find("rel=next") != std::string::npos;
}

FreshdeskApiClient::FreshdeskApiClient(FreshdeskApiOptions options) : options_(std::move(options)) {
  std::string base = options_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  client_ = std::make_unique<httplib::Client>(base);
  client_->set_tcp_nodelay(true);
  client_->set_keep_alive(true);
  client_->set_follow_location(false);
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(options_.timeout);
  const auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout - secs);
  client_->set_connection_timeout(secs.count(), usecs.count());
  client_->set_read_timeout(secs.count(), usecs.count());
  client_->set_write_timeout(secs.count(), usecs.count());
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
  if (!options_.ca_file.empty()) client_->set_ca_cert_path(options_.ca_file);
  client_->enable_server_certificate_verification(true);
#endif
  authorization_ = "Basic " + base64_encode(options_.api_key + ":X");
}

FreshdeskApiClient::~FreshdeskApiClient() = default;

Duration FreshdeskApiClient::pacing_wait() {
  return options_.pacer != nullptr ? options_.pacer->wait_time() : Duration(0);
}

Result<FreshdeskApiClient::Answer> FreshdeskApiClient::call(const std::string& method,
                                                            const std::string& path,
                                                            const json* body) {
  const std::string what = "freshdesk " + method + " " + path.substr(0, path.find('?'));
  if (options_.pacer != nullptr) {
    Status paced = options_.pacer->before_request();
    if (!paced.ok()) {
      Status out(paced.code(), what + ": " + paced.message());
      if (paced.retry_after()) out.set_retry_after(*paced.retry_after());
      return out;
    }
  }
  const httplib::Headers headers = {{"Authorization", authorization_},
                                    {"Accept", "application/json"}};
  const std::string text = body ? body->dump(-1, ' ', false, json::error_handler_t::replace) : "";
  const auto started = std::chrono::steady_clock::now();
  httplib::Result res(nullptr, httplib::Error::Unknown);
  if (method == "GET") {
    res = client_->Get(path, headers);
  } else if (method == "PUT") {
    res = client_->Put(path, headers, text, "application/json");
  } else {
    res = client_->Post(path, headers, text, "application/json");
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  if (!res) {
    const httplib::Error err = res.error();
    spdlog::debug("event=freshdesk_request_failed path={} error={}", what, httplib::to_string(err));
    const NoAnswer failure{.error = httplib::to_string(err),
                           .tls_refused = err == httplib::Error::SSLServerVerification,
                           .read_failed = err == httplib::Error::Read,
                           .waited = std::chrono::duration_cast<Duration>(elapsed)};
    if (failure.tls_refused) {
      spdlog::error(
          "event=freshdesk_tls_refused path={} the helpdesk's TLS certificate failed "
          "verification (check freshdesk.base_url)",
          what);
    }
    return status_from_no_answer(failure, options_.timeout, what);
  }
  spdlog::debug("event=freshdesk_request path={} status={}", what, res->status);
  if (options_.pacer != nullptr) {
    options_.pacer->after_answer(parse_freshdesk_rate_limit_headers(
        std::vector<std::pair<std::string, std::string>>(res->headers.begin(), res->headers.end()),
        res->status));
  }
  Status s = status_from_http(res->status, res->get_header_value("Retry-After"), what);
  if (!s.ok()) {
    std::string message = s.message();
    if (std::string detail = freshdesk_error_text(res->body); !detail.empty()) {
      message += ": " + detail;
    }
    message += hint_for(res->status);
    Status out(s.code(), message);
    if (s.retry_after()) out.set_retry_after(*s.retry_after());
    return out;
  }
  Answer answer;
  answer.has_next = link_has_next(res->get_header_value("Link"));
  if (res->body.empty()) {
    answer.body = json::object();
    return answer;
  }
  answer.body = json::parse(res->body, nullptr, false);
  if (answer.body.is_discarded()) return Status::Unavailable(what + ": the answer is not JSON");
  return answer;
}

Result<TicketSnapshot> FreshdeskApiClient::get_ticket(TicketId id) {
  auto answer = call("GET", ticket_path(id), nullptr);
  if (!answer.ok()) return answer.status();
  return parse_freshdesk_ticket(answer->body);
}

Result<TicketSnapshot> FreshdeskApiClient::update_ticket(const TicketUpdate& update) {
  const std::string path = ticket_path(update.ticket_id);
  // 1. Freshdesk has no conditional update: compare updated_at just before.
  bool fields_in_place = false;
  if (update.updated_stamp) {
    auto current = get_ticket(update.ticket_id);
    if (!current.ok()) return current.status();
    if (current->updated_at != update.updated_stamp && holds_update_fields(*current, update)) {
      // Sent again after an attempt whose PUT went through but whose note
      // did not: the ticket moved on, but only to what this write sets.
      // Refusing would lose the note (re-deciding sees the move done, with
      // nothing left to write); the rest is written, and its note marks it.
      fields_in_place = true;
      spdlog::info(
          "freshdesk: ticket={} changed since the write's stamp but already holds its fields; "
          "writing the rest",
          update.ticket_id);
    } else if (current->updated_at != update.updated_stamp) {
      return Status::Conflict("freshdesk ticket " + std::to_string(update.ticket_id) +
                              " changed since " + format_instant(*update.updated_stamp) + " (now " +
                              (current->updated_at ? format_instant(*current->updated_at)
                                                   : std::string("without updated_at")) +
                              ")");
    }
  }
  if (!update.clear_custom_fields.empty()) warn_custom_fields_skipped_once();
  // 2. The ticket's own fields.
  std::optional<TicketSnapshot> stored;
  if (const json fields = bulk_properties(update); !fields.empty() && !fields_in_place) {
    auto answer = call("PUT", path, &fields);
    if (!answer.ok()) return answer.status();
    auto ticket = parse_freshdesk_ticket(answer->body);
    if (!ticket.ok()) return ticket.status();
    stored = std::move(ticket).value();
  }
  // 3. Followers, as watchers.
  for (UserId follower : update.add_followers) {
    const json watch = {{"user_id", follower}};
    auto answer = call("POST", path + "/watch", &watch);
    if (!answer.ok()) return answer.status();
  }
  // 4. The note last: its marker says the whole write applied.
  if (update.internal_note) {
    const json note = {{"body", *update.internal_note}, {"private", true}};
    auto answer = call("POST", path + "/notes", &note);
    if (!answer.ok()) return answer.status();
  }
  if (stored && update.add_followers.empty() && !update.internal_note) return *stored;
  return get_ticket(update.ticket_id);
}

Result<std::string> FreshdeskApiClient::update_many(const std::vector<TicketUpdate>& updates) {
  if (updates.empty() || updates.size() > 100) {
    return Status::InvalidArgument("freshdesk update_many: 1 to 100 updates per job");
  }
  const json properties = bulk_properties(updates.front());
  if (properties.empty()) {
    return Status::InvalidArgument("freshdesk update_many: nothing bulk_update can set");
  }
  json ids = json::array();
  for (const auto& u : updates) {
    if (u.internal_note || !u.add_followers.empty() || !u.clear_custom_fields.empty() ||
        u.updated_stamp) {
      return Status::InvalidArgument(
          "freshdesk update_many: ticket " + std::to_string(u.ticket_id) +
          " has a note, followers, custom fields or an updated_stamp, which bulk_update cannot "
          "carry; send it alone");
    }
    if (bulk_properties(u) != properties) {
      return Status::InvalidArgument("freshdesk update_many: ticket " +
                                     std::to_string(u.ticket_id) +
                                     " differs from the first; bulk_update sets the same "
                                     "properties on every ticket");
    }
    ids.push_back(u.ticket_id);
  }
  const json body = {{"bulk_action", {{"ids", ids}, {"properties", properties}}}};
  auto answer = call("POST", "/api/v2/tickets/bulk_update", &body);
  if (!answer.ok()) return answer.status();
  const std::string job = text_member(answer->body, "job_id");
  if (job.empty()) return Status::Unavailable("freshdesk bulk_update: answer without a job_id");
  return job;
}

Result<JobStatus> FreshdeskApiClient::job_status(const std::string& job_id) {
  std::string safe;
  for (char c : job_id) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') safe += c;
  }
  if (safe.empty() || safe != job_id) {
    return Status::InvalidArgument("freshdesk job id \"" + truncate_utf8(job_id, 64) +
                                   "\": expected letters, digits, - or _");
  }
  auto answer = call("GET", "/api/v2/jobs/" + job_id, nullptr);
  if (!answer.ok()) return answer.status();
  auto job = parse_freshdesk_job(answer->body);
  if (job.ok() && job->id.empty()) job->id = job_id;
  return job;
}

Result<bool> FreshdeskApiClient::has_comment_containing(TicketId id, const std::string& marker) {
  const std::string base = ticket_path(id) + "/conversations?per_page=100&page=";
  for (int page = 1; page <= kMaxConversationPages; ++page) {
    auto answer = call("GET", base + std::to_string(page), nullptr);
    if (!answer.ok()) return answer.status();
    if (!answer->body.is_array()) {
      return Status::Unavailable("freshdesk conversations: the answer is not an array");
    }
    for (const auto& c : answer->body) {
      for (const char* key : {"body", "body_text"}) {
        if (text_member(c, key).find(marker) != std::string::npos) return true;
      }
    }
    if (!answer->has_next || answer->body.empty()) return false;
  }
  return false;
}

Result<ExportPage> FreshdeskApiClient::export_tickets(const std::string& cursor,
                                                      Instant start_time) {
  ExportCursor at = ExportCursor::starting_at(start_time);
  if (!cursor.empty()) {
    auto decoded = ExportCursor::decode(cursor);
    if (!decoded.ok()) return decoded.status();
    at = std::move(decoded).value();
  }
  const std::string path =
      "/api/v2/tickets?updated_since=" +
      format_instant(std::chrono::floor<std::chrono::seconds>(at.since)) +
      "&order_by=updated_at&order_type=asc&per_page=" + std::to_string(kListPageSize) +
      "&page=" + std::to_string(at.page);
  auto answer = call("GET", path, nullptr);
  if (!answer.ok()) return answer.status();
  if (!answer->body.is_array()) {
    return Status::Unavailable("freshdesk list tickets: the answer is not an array");
  }
  std::vector<TicketSnapshot> tickets;
  for (const auto& t : answer->body) {
    auto snapshot = parse_freshdesk_ticket(t);
    if (!snapshot.ok()) {
      spdlog::warn("event=export_ticket_skipped error=\"{}\"", snapshot.status().message());
      continue;
    }
    tickets.push_back(std::move(snapshot).value());
  }
  // An empty page ends the listing whatever its Link says. Whether the page
  // at the cap links on is not documented: a full one may have more behind.
  const bool full_at_cap = at.page >= kListPageCap && answer->body.size() >= kListPageSize;
  const bool has_next = (answer->has_next || full_at_cap) && !answer->body.empty();
  ExportStep step = fold_export_page(at, std::move(tickets), has_next);
  ExportPage page;
  page.tickets = std::move(step.tickets);
  page.after_cursor = step.next.encode();
  page.end_of_stream = step.end_of_stream;
  return page;
}

Result<std::vector<GroupMember>> FreshdeskApiClient::group_memberships(GroupId group) {
  auto answer = call("GET", "/api/v2/groups/" + std::to_string(group), nullptr);
  if (!answer.ok()) return answer.status();
  auto ids = answer->body.is_object() ? answer->body.find("agent_ids") : answer->body.end();
  if (ids == answer->body.end() || !ids->is_array()) {
    return Status::Unavailable("freshdesk group " + std::to_string(group) +
                               ": answer without agent_ids");
  }
  std::vector<GroupMember> members;
  for (const auto& id : *ids) {
    if (auto user = optional_id_from_json(id)) members.push_back({*user, group});
  }
  return members;
}

namespace {

std::optional<UserInfo> agent_info(const json& agent) {
  auto id = optional_id_member(agent, "id");
  if (!id) return std::nullopt;
  UserInfo info;
  info.id = *id;
  info.role = "agent";
  const json contact = agent.value("contact", json::object());
  info.name = text_member(contact, "name");
  if (auto it = contact.is_object() ? contact.find("active") : contact.end();
      it != contact.end() && it->is_boolean()) {
    info.active = it->get<bool>();
  }
  return info;
}

}  // namespace

Result<UserInfo> FreshdeskApiClient::current_user() {
  auto answer = call("GET", "/api/v2/agents/me", nullptr);
  if (!answer.ok()) return answer.status();
  auto info = agent_info(answer->body);
  if (!info) return Status::Unavailable("freshdesk agents/me: answer without an agent id");
  return *info;
}

Result<std::vector<UserInfo>> FreshdeskApiClient::users_by_ids(const std::vector<UserId>& ids) {
  std::vector<UserInfo> users;
  for (UserId id : ids) {
    auto answer = call("GET", "/api/v2/agents/" + std::to_string(id), nullptr);
    if (!answer.ok()) {
      if (answer.status().code() == StatusCode::kNotFound) continue;
      return answer.status();
    }
    if (auto info = agent_info(answer->body)) users.push_back(std::move(*info));
  }
  return users;
}

}  // namespace tierd::freshdesk
