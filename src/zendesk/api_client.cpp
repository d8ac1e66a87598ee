#include "zendesk/api_client.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "helpdesk/json_ids.h"
#include "zendesk/webhook_payload.h"
#include "zendesk/webhook_signature.h"

namespace tierd::zendesk {

using nlohmann::json;

namespace {

// "https://x.zendesk.com/api/v2/..." -> "/api/v2/...": paging links are
// absolute, and the client talks only to its own base_url.
std::string path_of(const std::string& url) {
  auto pos = url.find("/api/v2/");
  return pos == std::string::npos ? std::string() : url.substr(pos);
}

std::optional<Instant> optional_instant(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  auto t = parse_instant(it->get<std::string>());
  return t.ok() ? std::optional<Instant>(*t) : std::nullopt;
}

std::string percent_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

json update_fields(const TicketUpdate& u) {
  json t = json::object();
  if (u.group_id) t["group_id"] = *u.group_id;
  if (u.set_assignee) t["assignee_id"] = u.assignee_id ? json(*u.assignee_id) : json(nullptr);
  if (u.tags) t["tags"] = *u.tags;
  if (!u.add_followers.empty()) {
    json followers = json::array();
    for (UserId id : u.add_followers) followers.push_back({{"user_id", id}, {"action", "put"}});
    t["followers"] = followers;
  }
  if (u.internal_note) t["comment"] = {{"body", *u.internal_note}, {"public", false}};
  if (!u.clear_custom_fields.empty()) {
    json fields = json::array();
    for (int64_t id : u.clear_custom_fields) fields.push_back({{"id", id}, {"value", nullptr}});
    t["custom_fields"] = fields;
  }
  if (u.updated_stamp) {
    t["safe_update"] = true;
    t["updated_stamp"] = format_instant(*u.updated_stamp);
  }
  return t;
}

}  // namespace

Result<TicketSnapshot> parse_zendesk_ticket(const json& t) {
  if (!t.is_object()) return Status::InvalidArgument("zendesk ticket: expected an object");
  try {
    TicketSnapshot s;
    auto id = t.contains("id") ? id_from_json(t.at("id")) : std::nullopt;
    if (!id || *id <= 0) return Status::InvalidArgument("zendesk ticket: no usable id");
    s.id = *id;
    if (auto it = t.find("status"); it != t.end() && it->is_string()) {
      s.status = parse_ticket_status(it->get<std::string>());
    }
    if (auto it = t.find("priority"); it != t.end()) {
      if (it->is_null()) {
        s.priority = Priority::kNone;
      } else if (it->is_string()) {
        s.priority = parse_priority(it->get<std::string>());
      }
    }
    s.group_id = optional_id_member(t, "group_id");
    s.assignee_id = optional_id_member(t, "assignee_id");
    if (auto it = t.find("tags"); it != t.end()) {
      std::vector<std::string> tags;
      if (it->is_array()) {
        for (const auto& tag : *it) {
          if (tag.is_string()) tags.push_back(tag.get<std::string>());
        }
      } else if (it->is_string()) {
        std::string word;
        for (char c : it->get<std::string>() + " ") {
          if (c == ' ') {
            if (!word.empty()) tags.push_back(word);
            word.clear();
          } else {
            word += c;
          }
        }
      }
      s.tags = normalize_tags(std::move(tags));
      s.tags_known = it->is_array() || it->is_string();
    }
    s.created_at = optional_instant(t, "created_at");
    s.updated_at = optional_instant(t, "updated_at");
    s.requester_id = optional_id_member(t, "requester_id");
    s.organization_id = optional_id_member(t, "organization_id");
    s.form_id = optional_id_member(t, "ticket_form_id");
    if (!s.form_id) s.form_id = optional_id_member(t, "form_id");
    s.brand_id = optional_id_member(t, "brand_id");
    if (auto it = t.find("via"); it != t.end()) {
      if (it->is_object() && it->contains("channel") && it->at("channel").is_string()) {
        s.channel = it->at("channel").get<std::string>();
      } else if (it->is_string()) {
        s.channel = it->get<std::string>();
      }
    }
    if (auto it = t.find("subject"); it != t.end() && it->is_string())
      s.subject = it->get<std::string>();
    if (auto it = t.find("description"); it != t.end() && it->is_string()) {
      s.description = truncate_utf8(it->get_ref<const std::string&>(), kMaxDescriptionBytes);
    }
    if (auto it = t.find("custom_fields"); it != t.end() && it->is_array()) {
      for (const auto& f : *it) {
        if (!f.is_object()) continue;
        auto fid = f.contains("id") ? id_from_json(f.at("id")) : std::nullopt;
        if (!fid || !f.contains("value") || f.at("value").is_null()) continue;
        const json& v = f.at("value");
        s.custom_fields.push_back({*fid, v.is_string() ? v.get<std::string>() : v.dump()});
      }
    }
    return s;
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("zendesk ticket: ") + e.what());
  }
}

Result<JobStatus> parse_job_status(const json& job) {
  if (!job.is_object()) return Status::Unavailable("zendesk job status: not an object");
  JobStatus out;
  if (auto it = job.find("id"); it != job.end() && it->is_string()) out.id = it->get<std::string>();
  if (auto it = job.find("status"); it != job.end() && it->is_string()) {
    out.status = ascii_lower(it->get<std::string>());
  }
  auto results = job.find("results");
  if (results == job.end() || !results->is_array()) return out;
  for (const auto& r : *results) {
    if (!r.is_object()) continue;
    BulkItemResult item;
    item.ticket_id = r.contains("id") ? id_from_json(r["id"]).value_or(0) : 0;
    if (auto index = r.contains("index") ? id_from_json(r["index"]) : std::nullopt;
        index && *index >= 0) {
      item.index = static_cast<size_t>(*index);
    }
    const std::string status =
        r.contains("status") && r["status"].is_string() ? r["status"].get<std::string>() : "";
    const bool has_error = r.contains("error") && !r["error"].is_null();
    // Documented: a success carries "success": true and "status": "Updated";
    // a failure an "error" and "details" and no "success". Anything else is
    // not taken for a success.
    if (r.contains("success") && r["success"].is_boolean()) {
      item.success = r["success"].get<bool>() && !has_error;
    } else {
      const std::string s = ascii_lower(status);
      item.success = !has_error && (s == "updated" || s == "created");
    }
    if (!item.success) {
      item.error =
          has_error ? (r["error"].is_string() ? r["error"].get<std::string>() : r["error"].dump())
                    : (status.empty() ? "failed without an error" : status);
      if (r.contains("details") && !r["details"].is_null()) {
        item.error += ": " + (r["details"].is_string() ? r["details"].get<std::string>()
                                                       : r["details"].dump());
      }
    }
    out.results.push_back(std::move(item));
  }
  return out;
}

namespace {

bool name_is(const std::string& name, std::string_view wanted) {
  return name.size() == wanted.size() && ascii_lower(name) == wanted;
}

std::optional<int64_t> whole_number(std::string_view text) {
  auto n = int64_from_text(text);
  if (!n || *n < 0) return std::nullopt;
  return n;
}

// "total=100; remaining=99; resets=41" -> the value of `key`.
std::optional<int64_t> limit_field(std::string_view value, std::string_view key) {
  size_t pos = 0;
  while (pos < value.size()) {
    size_t end = value.find(';', pos);
    if (end == std::string_view::npos) end = value.size();
    std::string_view part = value.substr(pos, end - pos);
    if (size_t eq = part.find('='); eq != std::string_view::npos) {
      std::string name = ascii_lower(part.substr(0, eq));
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      if (name == key) return whole_number(part.substr(eq + 1));
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<Duration> seconds(std::optional<int64_t> n) {
  if (!n) return std::nullopt;
  return std::chrono::seconds(*n);
}

}  // namespace

RateLimitReport parse_rate_limit_headers(
    const std::vector<std::pair<std::string, std::string>>& headers, int http_status) {
  RateLimitReport r;
  r.refused = http_status == 429;
  for (const auto& [name, value] : headers) {
    if (name_is(name, "x-rate-limit") || name_is(name, "ratelimit-limit")) {
      if (!r.limit) {
        if (auto n = whole_number(value); n && *n > 0 && *n <= 1'000'000)
          r.limit = static_cast<int>(*n);
      }
    } else if (name_is(name, "x-rate-limit-remaining") || name_is(name, "ratelimit-remaining")) {
      if (!r.remaining) {
        if (auto n = whole_number(value); n && *n <= 1'000'000) r.remaining = static_cast<int>(*n);
      }
    } else if (name_is(name, "ratelimit-reset")) {
      if (!r.reset) r.reset = seconds(whole_number(value));
    } else if (name_is(name, "retry-after")) {
      if (!r.retry_after) r.retry_after = seconds(whole_number(value));
    } else if (ascii_lower(name).rfind("zendesk-ratelimit-", 0) == 0) {
      // An endpoint's own limit: only a used-up one matters to the budget.
      auto remaining = limit_field(value, "remaining");
      auto resets = seconds(limit_field(value, "resets"));
      if (remaining && *remaining == 0) {
        const Duration wait = resets.value_or(std::chrono::seconds(1));
        r.endpoint_exhausted_for = std::max(r.endpoint_exhausted_for.value_or(Duration(0)), wait);
      }
    }
  }
  return r;
}

ZendeskApiClient::ZendeskApiClient(ZendeskApiOptions options) : options_(std::move(options)) {
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
  authorization_ = options_.oauth_token.empty()
                       ? "Basic " + base64_encode(options_.email + "/token:" + options_.api_token)
                       : "Bearer " + options_.oauth_token;
}

ZendeskApiClient::~ZendeskApiClient() = default;

Status ZendeskApiClient::for_each_listed(const std::string& path, const std::string& key,
                                         const std::function<bool(const json&)>& each) {
  std::string next =
      path + (path.find('?') == std::string::npos ? "?" : "&") + "page%5Bsize%5D=100";
  for (int page = 0; page < kMaxListPages && !next.empty(); ++page) {
    auto answer = call("GET", next, nullptr);
    if (!answer.ok()) return answer.status();
    if (!answer->is_object()) return Status::Unavailable("zendesk GET " + path + ": not an object");
    if (auto items = answer->find(key); items != answer->end() && items->is_array()) {
      for (const auto& item : *items) {
        if (!each(item)) return Status::Ok();
      }
    }
    const json meta = answer->value("meta", json::object());
    const json links = answer->value("links", json::object());
    const bool more = meta.is_object() && meta.value("has_more", false);
    const json link = links.is_object() ? links.value("next", json(nullptr)) : json(nullptr);
    next = more && link.is_string() ? path_of(link.get<std::string>()) : "";
  }
  return Status::Ok();
}

Result<json> ZendeskApiClient::call(const std::string& method, const std::string& path,
                                    const json* body) {
  const std::string what = "zendesk " + method + " " + path.substr(0, path.find('?'));
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
  } else if (method == "POST") {
    res = client_->Post(path, headers, text, "application/json");
  } else if (method == "PATCH") {
    res = client_->Patch(path, headers, text, "application/json");
  } else {
    res = client_->Delete(path, headers, text, "application/json");
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  if (!res) {
    const httplib::Error err = res.error();
    spdlog::debug("event=zendesk_request_failed path={} error={}", what, httplib::to_string(err));
    const NoAnswer failure{.error = httplib::to_string(err),
                           .tls_refused = err == httplib::Error::SSLServerVerification,
                           .read_failed = err == httplib::Error::Read,
                           .waited = std::chrono::duration_cast<Duration>(elapsed)};
    // Never retried without verification: the write is refused for good
    // and the operator sees why.
    if (failure.tls_refused) {
      spdlog::error(
          "event=zendesk_tls_refused path={} the helpdesk's TLS certificate failed "
          "verification (check zendesk.base_url and zendesk.ca_file)",
          what);
    }
    return status_from_no_answer(failure, options_.timeout, what);
  }
  spdlog::debug("event=zendesk_request path={} status={}", what, res->status);
  if (options_.pacer != nullptr) {
    options_.pacer->after_answer(parse_rate_limit_headers(
        std::vector<std::pair<std::string, std::string>>(res->headers.begin(), res->headers.end()),
        res->status));
  }
  Status s = status_from_http(res->status, res->get_header_value("Retry-After"), what);
  if (!s.ok()) return s;
  if (res->body.empty()) return json::object();
  json parsed = json::parse(res->body, nullptr, false);
  if (parsed.is_discarded()) return Status::Unavailable(what + ": the answer is not JSON");
  return parsed;
}

Duration ZendeskApiClient::pacing_wait() {
  return options_.pacer != nullptr ? options_.pacer->wait_time() : Duration(0);
}

Result<TicketSnapshot> ZendeskApiClient::get_ticket(TicketId id) {
  auto answer = call("GET", "/api/v2/tickets/" + std::to_string(id) + ".json", nullptr);
  if (!answer.ok()) return answer.status();
  if (!answer->contains("ticket")) return Status::Unavailable("zendesk: answer without a ticket");
  return parse_zendesk_ticket(answer->at("ticket"));
}

Result<std::vector<TicketSnapshot>> ZendeskApiClient::tickets_by_ids(
    const std::vector<TicketId>& ids) {
  if (ids.empty()) return std::vector<TicketSnapshot>{};
  if (ids.size() > tickets_per_request()) {
    return Status::InvalidArgument("zendesk tickets/show_many: at most 100 ids per request");
  }
  std::string list;
  for (TicketId id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  auto answer = call("GET", "/api/v2/tickets/show_many.json?ids=" + percent_encode(list), nullptr);
  if (!answer.ok()) return answer.status();
  const auto tickets = answer->find("tickets");
  if (tickets == answer->end() || !tickets->is_array()) {
    return Status::Unavailable("zendesk tickets/show_many: answer without tickets");
  }
  std::vector<TicketSnapshot> out;
  for (const auto& t : *tickets) {
    auto one = parse_zendesk_ticket(t);
    if (!one.ok()) return one.status();
    out.push_back(std::move(one).value());
  }
  return out;
}

Result<TicketSnapshot> ZendeskApiClient::update_ticket(const TicketUpdate& update) {
  const json body = {{"ticket", update_fields(update)}};
  auto answer = call("PUT", "/api/v2/tickets/" + std::to_string(update.ticket_id) + ".json", &body);
  if (!answer.ok()) return answer.status();
  if (!answer->contains("ticket")) return Status::Unavailable("zendesk: answer without a ticket");
  return parse_zendesk_ticket(answer->at("ticket"));
}

Result<std::string> ZendeskApiClient::update_many(const std::vector<TicketUpdate>& updates) {
  if (updates.empty() || updates.size() > 100) {
    return Status::InvalidArgument("zendesk update_many: 1 to 100 updates per job");
  }
  json tickets = json::array();
  for (const auto& u : updates) {
    json t = update_fields(u);
    t["id"] = u.ticket_id;
    tickets.push_back(std::move(t));
  }
  const json body = {{"tickets", tickets}};
  auto answer = call("PUT", "/api/v2/tickets/update_many.json", &body);
  if (!answer.ok()) return answer.status();
  const json& job = answer->value("job_status", json::object());
  if (!job.contains("id") || !job["id"].is_string()) {
    return Status::Unavailable("zendesk update_many: answer without a job id");
  }
  return job["id"].get<std::string>();
}

Result<JobStatus> ZendeskApiClient::job_status(const std::string& job_id) {
  auto answer = call("GET", "/api/v2/job_statuses/" + percent_encode(job_id) + ".json", nullptr);
  if (!answer.ok()) return answer.status();
  auto job = parse_job_status(answer->value("job_status", json::object()));
  if (!job.ok()) return job.status();
  if (job->id.empty()) job->id = job_id;
  return job;
}

Result<std::vector<JobStatus>> ZendeskApiClient::job_statuses(
    const std::vector<std::string>& job_ids) {
  // Show Many Job Statuses takes a comma-separated list; its limit is not
  // documented, so a long list goes in chunks the size of Zendesk's queue.
  constexpr size_t kIdsPerRequest = 30;
  std::vector<JobStatus> out;
  for (size_t begin = 0; begin < job_ids.size(); begin += kIdsPerRequest) {
    std::string list;
    for (size_t i = begin; i < std::min(job_ids.size(), begin + kIdsPerRequest); ++i) {
      list += (list.empty() ? "" : ",") + job_ids[i];
    }
    auto answer =
        call("GET", "/api/v2/job_statuses/show_many.json?ids=" + percent_encode(list), nullptr);
    if (!answer.ok()) return answer.status();
    auto jobs = answer->is_object() ? answer->find("job_statuses") : answer->end();
    if (jobs == answer->end() || !jobs->is_array()) {
      return Status::Unavailable("zendesk job_statuses/show_many: answer without job_statuses");
    }
    for (const auto& j : *jobs) {
      auto job = parse_job_status(j);
      if (job.ok() && !job->id.empty()) out.push_back(std::move(job).value());
    }
  }
  return out;
}

Result<bool> ZendeskApiClient::has_comment_containing(TicketId id, const std::string& marker) {
  // Newest first: the marker is on a recent comment when the write applied.
  // Whether sort_order holds under cursor paging is not documented; every
  // page is read until the marker turns up, so the answer does not depend
  // on it.
  bool found = false;
  Status s =
      for_each_listed("/api/v2/tickets/" + std::to_string(id) + "/comments.json?sort_order=desc",
                      "comments", [&](const json& c) {
                        for (const char* key : {"body", "html_body", "plain_body"}) {
                          auto it = c.is_object() ? c.find(key) : c.end();
                          if (it != c.end() && it->is_string() &&
                              it->get_ref<const std::string&>().find(marker) != std::string::npos) {
                            found = true;
                          }
                        }
                        return !found;
                      });
  if (!s.ok()) return s;
  return found;
}

Result<ExportPage> ZendeskApiClient::export_tickets(const std::string& cursor, Instant start_time) {
  std::string path = "/api/v2/incremental/tickets/cursor.json?";
  if (cursor.empty()) {
    const int64_t seconds = to_unix_ms(start_time) / 1000;
    path += "start_time=" + std::to_string(std::max<int64_t>(0, seconds));
  } else {
    path += "cursor=" + percent_encode(cursor);
  }
  auto answer = call("GET", path, nullptr);
  if (!answer.ok()) return answer.status();
  // The answer's shape is checked field by field: a malformed page must come
  // back as a Status, never as a json exception out of the caller's thread.
  if (!answer->is_object()) {
    return Status::Unavailable("zendesk export: the answer is not an object");
  }
  ExportPage page;
  if (auto it = answer->find("tickets"); it != answer->end() && !it->is_null()) {
    if (!it->is_array()) return Status::Unavailable("zendesk export: tickets is not an array");
    for (const auto& t : *it) {
      auto snapshot = parse_zendesk_ticket(t);
      if (!snapshot.ok()) {
        spdlog::warn("event=export_ticket_skipped error=\"{}\"", snapshot.status().message());
        continue;
      }
      page.tickets.push_back(std::move(*snapshot));
    }
  }
  auto after = answer->find("after_cursor");
  page.after_cursor =
      after != answer->end() && after->is_string() ? after->get<std::string>() : cursor;
  // Without a usable end_of_stream the page is taken as the last one, so a
  // malformed answer cannot make the caller page forever.
  auto end = answer->find("end_of_stream");
  page.end_of_stream = end == answer->end() || !end->is_boolean() || end->get<bool>();
  return page;
}

Result<std::vector<GroupMember>> ZendeskApiClient::group_memberships(GroupId group) {
  std::vector<GroupMember> members;
  Status s = for_each_listed("/api/v2/groups/" + std::to_string(group) + "/memberships.json",
                             "group_memberships", [&](const json& m) {
                               auto user = optional_id_member(m, "user_id");
                               auto g = optional_id_member(m, "group_id");
                               if (user) members.push_back({*user, g.value_or(group)});
                               return true;
                             });
  if (!s.ok()) return s;
  return members;
}

Result<UserInfo> ZendeskApiClient::current_user() {
  auto answer = call("GET", "/api/v2/users/me.json", nullptr);
  if (!answer.ok()) return answer.status();
  const json user = answer->value("user", json::object());
  auto id = optional_id_member(user, "id");
  if (!id) return Status::Unavailable("zendesk users/me: answer without a user id");
  UserInfo info;
  info.id = *id;
  info.name = user.value("name", "");
  info.role = user.value("role", "");
  info.active = user.value("active", true);
  return info;
}

Result<std::vector<UserInfo>> ZendeskApiClient::users_by_ids(const std::vector<UserId>& ids) {
  constexpr size_t kIdsPerRequest = 100;  // the endpoint's limit
  std::vector<UserInfo> users;
  for (size_t begin = 0; begin < ids.size(); begin += kIdsPerRequest) {
    std::string list;
    for (size_t i = begin; i < std::min(ids.size(), begin + kIdsPerRequest); ++i) {
      list += (list.empty() ? "" : ",") + std::to_string(ids[i]);
    }
    auto answer = call("GET", "/api/v2/users/show_many.json?ids=" + percent_encode(list), nullptr);
    if (!answer.ok()) return answer.status();
    try {
      for (const auto& u : answer->value("users", json::array())) {
        auto id = optional_id_member(u, "id");
        if (!id) continue;
        UserInfo info;
        info.id = *id;
        info.name = u.value("name", "");
        info.role = u.value("role", "");
        info.active = u.value("active", true);
        std::vector<std::string> tags;
        for (const auto& t : u.value("tags", json::array())) {
          if (t.is_string()) tags.push_back(t.get<std::string>());
        }
        info.tags = normalize_tags(std::move(tags));
        users.push_back(std::move(info));
      }
    } catch (const json::exception& e) {
      return Status::Unavailable(std::string("zendesk users/show_many: unexpected answer: ") +
                                 e.what());
    }
  }
  return users;
}

}  // namespace tierd::zendesk
