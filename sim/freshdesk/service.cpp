#include "sim/freshdesk/service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <thread>

#include "helpdesk/text_codec.h"

namespace tierd::sim::freshdesk {

using nlohmann::json;

namespace {

std::optional<int64_t> id_at(const std::vector<std::string>& p, size_t i) {
  if (p.size() <= i || p[i].empty() || p[i].size() > 18) return std::nullopt;
  for (char c : p[i]) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return std::stoll(p[i]);
}

SimResponse message_response(int status, const std::string& code, const std::string& message) {
  return json_response(status, {{"code", code}, {"message", message}});
}

SimResponse not_found() {
  return message_response(404, "not_found", "The requested resource was not found");
}

SimResponse invalid(const std::vector<FieldError>& errors) {
  return json_response(400, validation_failed(errors));
}

// Basic with the API key as the user name; Freshdesk ignores the password.
bool is_authorized(const SimRequest& request, const std::string& api_key) {
  auto it = request.headers.find("authorization");
  if (it == request.headers.end() || it->second.rfind("Basic ", 0) != 0) return false;
  auto decoded = base64_decode(it->second.substr(6));
  if (!decoded) return false;
  auto colon = decoded->find(':');
  return colon != std::string::npos && decoded->substr(0, colon) == api_key;
}

bool is_json_content(const SimRequest& request) {
  auto it = request.headers.find("content-type");
  return it != request.headers.end() && it->second.rfind("application/json", 0) == 0;
}

template <typename Map, typename Seed>
SimResponse seed_all(Map& records, const json& body, Seed seed_one) {
  json list = body.is_array() ? body : json::array({body});
  json out = json::array();
  for (const auto& item : list) {
    if (!item.is_object() || !item.contains("id") || !item["id"].is_number_integer()) {
      return json_response(400, {{"message", "each record needs an integer id"}});
    }
    auto record = seed_one(item);
    out.push_back(item["id"]);
    records[record.id] = std::move(record);
  }
  return json_response(201, {{"ids", out}});
}

// One page of `total` items of the list at `url` (absolute, no query): page
// (1-based), per_page (default 30, at most 100) and, when `max_page` > 0, the
// list's page cap; the link header names the next page.
struct Page {
  size_t begin = 0;
  size_t end = 0;
  std::optional<SimResponse> error;  // 400 for a bad page or per_page
  std::string link;                  // "" on the last page
};

Page paginate(const SimRequest& request, size_t total, const std::string& list_url, int max_page) {
  Page page;
  const bool has_per_page = request.query.count("per_page") != 0;
  auto per_page = has_per_page ? query_int(request, "per_page") : std::optional<int64_t>(30);
  if (!per_page || *per_page < 1 || *per_page > 100) {
    page.error = invalid({{"per_page", "It should be a Positive Integer less than or equal to 100",
                           "invalid_value"}});
    return page;
  }
  auto number =
      request.query.count("page") ? query_int(request, "page") : std::optional<int64_t>(1);
  if (!number || *number < 1) {
    page.error = invalid({{"page", "It should be a/an Positive Integer", "datatype_mismatch"}});
    return page;
  }
  if (max_page > 0 && *number > max_page) {
    page.error = invalid({{"page", "It should be less than or equal to " + std::to_string(max_page),
                           "invalid_value"}});
    return page;
  }
  page.begin = std::min(total, static_cast<size_t>((*number - 1) * *per_page));
  page.end = std::min(total, page.begin + static_cast<size_t>(*per_page));
  if (page.end < total && (max_page == 0 || *number < max_page)) {
    std::string url = list_url + "?";
    for (const auto& [k, v] : request.query) {
      if (k == "page") continue;
      url += percent_encode_query(k) + "=" + percent_encode_query(v) + "&";
    }
    page.link = "<" + url + "page=" + std::to_string(*number + 1) + ">; rel=\"next\"";
  }
  return page;
}

// One page of a list endpoint's items: the JSON array, and the link header
// while there is a next page.
template <typename Item, typename Render>
SimResponse list_page(const SimRequest& request, const std::vector<Item>& items,
                      const std::string& list_url, Render render) {
  Page page = paginate(request, items.size(), list_url, 0);
  if (page.error) return *page.error;
  json out = json::array();
  for (size_t i = page.begin; i < page.end; ++i) out.push_back(render(items[i]));
  SimResponse r = json_response(200, out);
  if (!page.link.empty()) r.headers.emplace_back("link", page.link);
  return r;
}

// PUT /api/v2/tickets/{id}: Update a Ticket, which has a limit of its own.
bool is_ticket_update(const std::string& path) {
  const std::string prefix = "/api/v2/tickets/";
  if (path.rfind(prefix, 0) != 0 || path.size() == prefix.size()) return false;
  return path.find_first_not_of("0123456789", prefix.size()) == std::string::npos;
}

}  // namespace

FreshdeskService::FreshdeskService(FreshdeskOptions options)
    : options_(std::move(options)),
      limiter_(options_.rate_limit_per_minute, std::chrono::seconds(60)),
      update_limiter_(options_.update_limit_per_minute, std::chrono::seconds(60)),
      webhooks_(
          options_.webhook,
          [this] { return limiter_.acquire("account", std::chrono::steady_clock::now()).allowed; }),
      job_worker_("freshdesk-jobs") {
  account_.agents[kApiAgentId] = Agent{kApiAgentId, "Sim Admin", "admin@example.com", true};
}

FreshdeskService::~FreshdeskService() {
  stop();
}

void FreshdeskService::start(const std::string& base_url) {
  {
    MutexLock lock(mutex_);
    base_url_ = base_url;
  }
  webhooks_.start();
  job_worker_.start([this] { run_jobs(); });
}

void FreshdeskService::stop() {
  job_worker_.stop();
  webhooks_.stop();
}

Instant FreshdeskService::now() const {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

SimResponse FreshdeskService::handle(const SimRequest& request) {
  try {
    if (request.path == "/healthz") return json_response(200, {{"status", "ok"}});
    if (request.path.rfind("/api/v2/", 0) == 0) return handle_api(request);
    if (request.path.rfind("/sim/", 0) == 0) return handle_control(request);
  } catch (const std::exception& e) {
    spdlog::error("event=sim_handler_error path={} error={}", request.path, e.what());
    return message_response(500, "internal_error", e.what());
  }
  return not_found();
}

SimResponse FreshdeskService::handle_api(const SimRequest& request) {
  const AppliedFault fault = apply_fault(faults_, request, [](int status) {
    return message_response(status, "injected_fault", "Injected fault");
  });
  if (fault.answer) {
    record_request(request, fault.answer->drop_connection ? 0 : fault.answer->status);
    return *fault.answer;
  }
  const bool drop_after_apply = fault.drop_after_apply;
  // Invalid requests count against the budget too.
  const RateDecision rate = limiter_.acquire("account", std::chrono::steady_clock::now());
  // Update Ticket's own limit; a refused update still spent its account credit.
  RateDecision update_rate;
  if (rate.allowed && request.method == "PUT" && is_ticket_update(request.path)) {
    update_rate = update_limiter_.acquire("ticket_update", std::chrono::steady_clock::now());
  }
  SimResponse r;
  if (!rate.allowed || !update_rate.allowed) {
    r = message_response(429, "rate_limit_exceeded",
                         "You have exceeded the limit of requests per minute");
    const int retry_after =
        rate.allowed ? update_rate.retry_after_seconds : rate.retry_after_seconds;
    r.headers.emplace_back("Retry-After", std::to_string(retry_after));
  } else if (!is_authorized(request, options_.api_key)) {
    r = message_response(401, "invalid_credentials",
                         "You have to be logged in to perform this action.");
  } else if ((request.method == "POST" || request.method == "PUT") && !request.body.empty() &&
             !is_json_content(request)) {
    r = message_response(415, "invalid_content_type",
                         "Content-Type header is set to an unsupported value. It should be set to "
                         "application/json");
  } else {
    r = route_api(request, split_path(request.path.substr(std::string("/api/v2").size())));
  }
  r.headers.emplace_back("X-RateLimit-Total", std::to_string(rate.limit));
  r.headers.emplace_back("X-RateLimit-Remaining", std::to_string(rate.remaining));
  r.headers.emplace_back("X-RateLimit-Used-CurrentRequest", rate.allowed ? "1" : "0");
  r.headers.emplace_back("X-Freshdesk-Api-Version", "latest=v2; requested=v2");
  record_request(request, drop_after_apply ? 0 : r.status);
  if (drop_after_apply) r.drop_connection = true;
  return r;
}

SimResponse FreshdeskService::route_api(const SimRequest& request,
                                        const std::vector<std::string>& p) {
  json body = json::object();
  if ((request.method == "POST" || request.method == "PUT") && !request.body.empty()) {
    body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) {
      return invalid({{"", "Request body has invalid json format", "invalid_json"}});
    }
  }
  const std::string& m = request.method;
  const size_t n = p.size();
  if (n >= 1 && p[0] == "tickets") {
    if (n == 1 && m == "GET") return list_tickets(request);
    if (n == 2 && p[1] == "bulk_update" && m == "POST") return bulk_update(body);
    auto id = id_at(p, 1);
    if (!id) return not_found();
    if (n == 2 && m == "PUT") return update_ticket(*id, body, kApiAgentId);
    if (n == 3 && p[2] == "notes" && m == "POST") return create_note(*id, body);
    MutexLock lock(mutex_);
    auto it = account_.tickets.find(*id);
    if (it == account_.tickets.end()) return not_found();
    Ticket& t = it->second;
    if (n == 2 && m == "GET") return json_response(200, ticket_json(t));
    if (n == 3 && p[2] == "conversations" && m == "GET") {
      return list_page(request, t.notes, base_url_ + request.path, note_json);
    }
    if (n == 3 && p[2] == "watchers" && m == "GET") {
      return json_response(200, {{"watcher_ids", t.watcher_ids}});
    }
    if (n == 3 && p[2] == "watch" && m == "POST") {
      int64_t user = kApiAgentId;
      if (auto u = body.find("user_id"); u != body.end()) {
        if (!u->is_number_integer() || !account_.agents.count(u->get<int64_t>())) {
          return invalid(
              {{"user_id", "There is no agent matching the given user_id", "invalid_value"}});
        }
        user = u->get<int64_t>();
      }
      t.watcher_ids.insert(user);
      return json_response(204, nullptr);
    }
    if (n == 3 && p[2] == "unwatch" && m == "PUT") {
      t.watcher_ids.erase(kApiAgentId);
      return json_response(204, nullptr);
    }
    return not_found();
  }
  if (n >= 3 && p[0] == "automations" && p[2] == "rules") return automations(request, p, body);
  if (n == 2 && p[0] == "jobs" && m == "GET") {
    MutexLock lock(mutex_);
    auto it = jobs_.find(p[1]);
    if (it == jobs_.end()) return not_found();
    const Job& job = it->second;
    const bool done = job.status != "IN PROGRESS";
    return json_response(200, {{"id", job.id},
                               {"name", "bulk_update"},
                               {"status", job.status},
                               {"progress", done ? 100 : 0},
                               {"data", job.data},
                               {"created_at", freshdesk_time(job.created_at)},
                               {"updated_at", freshdesk_time(job.updated_at)},
                               {"status_updated_at", freshdesk_time(job.updated_at)}});
  }
  if (n >= 1 && p[0] == "agents" && m == "GET") {
    MutexLock lock(mutex_);
    if (n == 1) {
      std::vector<json> agents;  // rendered here: a lambda cannot show it holds the lock
      for (const auto& [id, a] : account_.agents) agents.push_back(agent_json(a, account_));
      return list_page(request, agents, base_url_ + request.path, [](const json& a) { return a; });
    }
    const std::optional<int64_t> id =
        p[1] == "me" ? std::optional<int64_t>(kApiAgentId) : id_at(p, 1);
    if (n != 2 || !id || !account_.agents.count(*id)) return not_found();
    return json_response(200, agent_json(account_.agents.at(*id), account_));
  }
  if (n >= 1 && p[0] == "groups" && m == "GET") {
    MutexLock lock(mutex_);
    if (n == 1) {
      std::vector<const Group*> groups;
      for (const auto& [id, g] : account_.groups) groups.push_back(&g);
      return list_page(request, groups, base_url_ + request.path,
                       [](const Group* g) { return group_json(*g, false); });
    }
    auto id = id_at(p, 1);
    if (n != 2 || !id || !account_.groups.count(*id)) return not_found();
    return json_response(200, group_json(account_.groups.at(*id), true));
  }
  return not_found();
}

SimResponse FreshdeskService::list_tickets(const SimRequest& request) {
  std::optional<Instant> since;
  if (auto it = request.query.find("updated_since"); it != request.query.end()) {
    auto parsed = parse_instant(it->second);
    if (!parsed.ok()) {
      return invalid(
          {{"updated_since", "It should be in the 'valid date time' format", "invalid_value"}});
    }
    since = *parsed;
  }
  const std::string order_by =
      request.query.count("order_by") ? request.query.at("order_by") : "created_at";
  const std::string order_type =
      request.query.count("order_type") ? request.query.at("order_type") : "desc";
  if (order_by != "created_at" && order_by != "updated_at" && order_by != "status" &&
      order_by != "due_by") {
    return invalid(
        {{"order_by", "It should be one of these values: 'created_at,due_by,updated_at,status'",
          "invalid_value"}});
  }
  if (order_type != "asc" && order_type != "desc") {
    return invalid(
        {{"order_type", "It should be one of these values: 'asc,desc'", "invalid_value"}});
  }
  std::vector<Ticket> tickets;
  std::string list_url;
  {
    MutexLock lock(mutex_);
    list_url = base_url_ + request.path;
    const Instant month_ago = now() - std::chrono::hours(24 * 30);
    for (const auto& [id, t] : account_.tickets) {
      if (since ? t.updated_at < *since : t.created_at < month_ago) continue;
      tickets.push_back(t);
    }
  }
  auto key = [&order_by](const Ticket& t) {
    if (order_by == "updated_at")
      return std::make_pair(t.updated_at.time_since_epoch().count(), t.id);
    if (order_by == "status") return std::make_pair(static_cast<int64_t>(t.status), t.id);
    return std::make_pair(t.created_at.time_since_epoch().count(), t.id);
  };
  std::stable_sort(tickets.begin(), tickets.end(), [&](const Ticket& a, const Ticket& b) {
    return order_type == "asc" ? key(a) < key(b) : key(b) < key(a);
  });
  Page page = paginate(request, tickets.size(), list_url, 300);
  if (page.error) return *page.error;
  json items = json::array();
  for (size_t i = page.begin; i < page.end; ++i) {
    json t = ticket_json(tickets[i]);
    t.erase("description");  // only with include=description
    t.erase("description_text");
    items.push_back(std::move(t));
  }
  SimResponse r = json_response(200, items);
  if (!page.link.empty()) r.headers.emplace_back("link", page.link);
  return r;
}

SimResponse FreshdeskService::update_ticket(int64_t id, const json& body, int64_t performer) {
  MutexLock lock(mutex_);
  auto it = account_.tickets.find(id);
  if (it == account_.tickets.end()) return not_found();
  std::vector<FieldChange> changes;
  auto errors = apply_ticket_update(it->second, body, account_, ticket_update_fields(), changes);
  if (!errors.empty()) return invalid(errors);
  it->second.updated_at = now();
  webhooks_.ticket_updated(it->second, changes);
  fire_rules(it->second, &changes, performer);
  return json_response(200, ticket_json(it->second));
}

SimResponse FreshdeskService::create_note(int64_t id, const json& body) {
  MutexLock lock(mutex_);
  auto it = account_.tickets.find(id);
  if (it == account_.tickets.end()) return not_found();
  std::vector<FieldError> errors;
  Note note;
  note.id = account_.next_note_id;
  note.ticket_id = id;
  note.user_id = kApiAgentId;
  note.created_at = now();
  if (!body.is_object()) {
    return invalid({{"", "Request body has invalid json format", "invalid_json"}});
  }
  for (const auto& [key, value] : body.items()) {
    if (key == "body") {
      if (!value.is_string()) {
        errors.push_back({key, "It should be a/an String", "datatype_mismatch"});
      } else {
        note.body = value.get<std::string>();
      }
    } else if (key == "private" || key == "incoming") {
      if (!value.is_boolean()) {
        errors.push_back({key, "It should be a/an Boolean", "datatype_mismatch"});
      } else {
        (key == "private" ? note.is_private : note.incoming) = value.get<bool>();
      }
    } else if (key == "notify_emails") {
      bool ok = value.is_array();
      for (const auto& e : value) ok = ok && e.is_string();
      if (!ok) {
        errors.push_back({key, "It should be a/an Array of String", "datatype_mismatch"});
      } else {
        note.notify_emails = value.get<std::vector<std::string>>();
      }
    } else if (key == "user_id") {
      if (!value.is_number_integer() || !account_.agents.count(value.get<int64_t>())) {
        errors.push_back({key, "There is no agent matching the given user_id", "invalid_value"});
      } else {
        note.user_id = value.get<int64_t>();
      }
    } else {
      errors.push_back({key, "Unexpected/invalid field in request", "invalid_field"});
    }
  }
  if (!body.contains("body"))
    errors.push_back({"body", "It should be a/an String", "missing_field"});
  if (!errors.empty()) return invalid(errors);
  account_.next_note_id++;
  it->second.notes.push_back(note);
  it->second.updated_at = note.created_at;
  SimResponse r = json_response(201, note_json(note));
  r.headers.emplace_back("Location",
                         base_url_ + "/api/v2/tickets/" + std::to_string(id) + "/conversations");
  return r;
}

SimResponse FreshdeskService::bulk_update(const json& body) {
  const json* action =
      body.is_object() && body.contains("bulk_action") ? &body["bulk_action"] : nullptr;
  if (!action || !action->is_object()) {
    return invalid({{"bulk_action", "It should be a/an key/value pair", "missing_field"}});
  }
  auto ids = action->find("ids");
  bool ids_ok = ids != action->end() && ids->is_array() && !ids->empty() && ids->size() <= 100;
  if (ids_ok) {
    for (const auto& i : *ids) ids_ok = ids_ok && i.is_number_integer() && i.get<int64_t>() > 0;
  }
  if (!ids_ok) {
    return invalid(
        {{"ids", "It should be an Array of 1 to 100 Positive Integers", "invalid_value"}});
  }
  auto props = action->find("properties");
  if (props == action->end() || !props->is_object() || props->empty()) {
    return invalid({{"properties", "It should be a/an key/value pair", "missing_field"}});
  }
  for (const auto& [key, value] : props->items()) {
    if (!ticket_update_fields().count(key) || key == "subject" || key == "description") {
      return invalid({{key, "Unexpected/invalid field in request", "invalid_field"}});
    }
  }
  std::string id;
  {
    MutexLock lock(mutex_);
    char buf[40];
    std::snprintf(buf, sizeof buf, "5e1d%028llx", static_cast<unsigned long long>(next_job_++));
    Job job;
    job.id = buf;
    job.ids = ids->get<std::vector<int64_t>>();
    job.properties = *props;
    job.created_at = job.updated_at = now();
    // On the worker's clock, which counts elapsed time rather than wall time.
    job.runs_at =
        job_worker_.clock().now() + std::chrono::duration_cast<Duration>(options_.job_delay);
    id = job.id;
    jobs_[id] = std::move(job);
  }
  job_worker_.wake();
  std::string href;
  {
    MutexLock lock(mutex_);
    href = base_url_ + "/api/v2/jobs/" + id;
  }
  return json_response(202, {{"job_id", id}, {"href", href}});
}

void FreshdeskService::run_jobs() {
  while (!job_worker_.stopping()) {
    std::optional<Instant> next;
    {
      MutexLock lock(mutex_);
      const Instant t = job_worker_.clock().now();
      for (auto& [id, job] : jobs_) {
        if (job.status != "IN PROGRESS") continue;
        if (job.runs_at > t) {
          if (!next || job.runs_at < *next) next = job.runs_at;
          continue;
        }
        for (int64_t ticket_id : job.ids) {
          auto it = account_.tickets.find(ticket_id);
          if (it == account_.tickets.end()) {
            job.data.push_back(
                {{"id", ticket_id}, {"success", false}, {"error", "Record not found"}});
            continue;
          }
          std::vector<FieldChange> changes;
          auto errors = apply_ticket_update(it->second, job.properties, account_,
                                            ticket_update_fields(), changes);
          if (!errors.empty()) {
            job.data.push_back({{"id", ticket_id},
                                {"success", false},
                                {"error", errors.front().field + ": " + errors.front().message}});
            continue;
          }
          it->second.updated_at = now();
          webhooks_.ticket_updated(it->second, changes);
          fire_rules(it->second, &changes, kApiAgentId);
          job.data.push_back({{"id", ticket_id}, {"success", true}});
        }
        job.status = "COMPLETED";
        job.updated_at = now();
      }
    }
    if (next ? !job_worker_.wait_until(*next) : !job_worker_.wait()) return;
  }
}

SimResponse FreshdeskService::create_ticket(const json& body) {
  if (!body.is_object()) return json_response(400, {{"message", "expected an object"}});
  MutexLock lock(mutex_);
  Ticket t;
  t.id = body.contains("id") && body["id"].is_number_integer() ? body["id"].get<int64_t>()
                                                               : account_.next_ticket_id;
  account_.next_ticket_id = std::max(account_.next_ticket_id, t.id + 1);
  t.requester_id = body.value("requester_id", kDefaultRequesterId);
  t.source = body.value("source", 2);
  t.created_at = t.updated_at = now();
  for (const char* key : {"created_at", "updated_at"}) {
    if (body.contains(key)) {
      auto at = parse_instant(body[key].get<std::string>());
      if (!at.ok()) return json_response(400, {{"message", std::string(key) + ": not an instant"}});
      (std::string(key) == "created_at" ? t.created_at : t.updated_at) = *at;
    }
  }
  json fields = json::object();
  for (const auto& [key, value] : body.items()) {
    if (ticket_update_fields().count(key)) fields[key] = value;
  }
  std::vector<FieldChange> ignored;
  auto errors = apply_ticket_update(t, fields, account_, ticket_update_fields(), ignored);
  if (!errors.empty()) return invalid(errors);
  account_.tickets[t.id] = t;
  webhooks_.ticket_created(t);
  fire_rules(t, nullptr, 0);
  return json_response(201, ticket_json(t));
}

SimResponse FreshdeskService::seed(const std::string& kind, const json& body) {
  MutexLock lock(mutex_);
  if (kind == "agents") {
    return seed_all(account_.agents, body, [](const json& j) {
      return Agent{j["id"].get<int64_t>(), j.value("name", ""), j.value("email", ""),
                   j.value("available", true)};
    });
  }
  return seed_all(account_.groups, body, [](const json& j) {
    return Group{j["id"].get<int64_t>(), j.value("name", ""), j.value("description", ""),
                 j.value("agent_ids", std::vector<int64_t>{})};
  });
}

SimResponse FreshdeskService::handle_control(const SimRequest& request) {
  json body = json::object();
  if (!request.body.empty()) {
    body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) return json_response(400, {{"message", "invalid JSON"}});
  }
  const auto p = split_path(request.path.substr(std::string("/sim").size()));
  const std::string& m = request.method;
  if (p.size() == 1 && (p[0] == "agents" || p[0] == "groups") && m == "POST") {
    return seed(p[0], body);
  }
  if (!p.empty() && p[0] == "tickets") {
    if (p.size() == 1 && m == "POST") return create_ticket(body);
    auto id = id_at(p, 1);
    if (p.size() != 2 || !id) return not_found();
    if (m == "PUT") {
      const bool named = request.query.count("agent_id") != 0;
      const auto agent = named ? query_int(request, "agent_id") : std::optional<int64_t>(0);
      if (!agent) return json_response(400, {{"message", "agent_id: not an agent id"}});
      return update_ticket(*id, body, *agent);
    }
    if (m == "GET") {
      MutexLock lock(mutex_);
      auto it = account_.tickets.find(*id);
      if (it == account_.tickets.end()) return not_found();
      json t = ticket_json(it->second);
      t["notes"] = json::array();
      for (const auto& note : it->second.notes) t["notes"].push_back(note_json(note));
      t["watcher_ids"] = it->second.watcher_ids;
      return json_response(200, t);
    }
  }
  if (p.size() == 1 && p[0] == "faults") {
    if (m == "POST") {
      // One fault, or {"faults": [...]} queued in order (all or none).
      const bool many = body.is_object() && body.contains("faults");
      const json items = many ? body["faults"] : json::array({body});
      if (!items.is_array()) return json_response(400, {{"message", "faults: not an array"}});
      std::vector<Fault> parsed;
      for (const auto& item : items) {
        auto fault = parse_fault(item);
        if (!fault.ok()) return json_response(400, {{"message", fault.status().message()}});
        parsed.push_back(*fault);
      }
      json out = json::array();
      for (auto& f : parsed) {
        out.push_back(fault_json(f));
        faults_.add(std::move(f));
      }
      return json_response(201, many ? json{{"faults", out}} : out[0]);
    }
    if (m == "DELETE") {
      faults_.clear();
      return json_response(200, json::object());
    }
    json list = json::array();
    for (const auto& f : faults_.pending()) list.push_back(fault_json(f));
    return json_response(200, {{"faults", list}});
  }
  if (p.size() == 1 && p[0] == "rate_limits" && m == "DELETE") {
    limiter_.reset();
    update_limiter_.reset();
    return json_response(200, json::object());
  }
  if (p.size() == 2 && p[0] == "webhooks" && (p[1] == "pause" || p[1] == "resume") && m == "POST") {
    webhooks_.set_paused(p[1] == "pause");
    return json_response(200, {{"paused", p[1] == "pause"}});
  }
  if (p.size() == 1 && p[0] == "webhooks") {
    if (m == "DELETE") {
      webhooks_.clear();
      return json_response(200, json::object());
    }
    json list = json::array();
    for (const auto& d : webhooks_.deliveries()) list.push_back(delivery_json(d));
    return json_response(200, {{"deliveries", list}});
  }
  if (p.size() == 1 && p[0] == "requests") {
    MutexLock lock(mutex_);
    if (m == "DELETE") {
      request_log_ = json::array();
      return json_response(200, json::object());
    }
    return json_response(200, {{"requests", request_log_}});
  }
  return not_found();
}

SimResponse FreshdeskService::automations(const SimRequest& request,
                                          const std::vector<std::string>& p, const json& body) {
  const auto type = id_at(p, 1);
  if (!type || (*type != kCreationRuleType && *type != kUpdateRuleType)) return not_found();
  const std::string& m = request.method;
  MutexLock lock(mutex_);
  auto& rules = rules_[static_cast<int>(*type)];
  if (p.size() == 3) {
    if (m == "GET") {
      std::vector<json> list;
      for (const auto& [id, r] : rules) list.push_back(r);
      std::stable_sort(list.begin(), list.end(), [](const json& a, const json& b) {
        return a.value("position", 0) < b.value("position", 0);
      });
      return list_page(request, list, base_url_ + request.path, [](const json& r) { return r; });
    }
    if (m != "POST") return not_found();
    auto errors = validate_automation_rule(static_cast<int>(*type), body, account_);
    if (!errors.empty()) return invalid(errors);
    json rule = body;
    rule["id"] = next_rule_id_++;
    rule["automation_type_id"] = *type;
    if (!rule.contains("active")) rule["active"] = true;
    if (!rule.contains("position")) rule["position"] = static_cast<int64_t>(rules.size()) + 1;
    if (!rule.contains("conditions")) rule["conditions"] = json::array();
    rule["outdated"] = false;
    rule["created_at"] = rule["updated_at"] = freshdesk_time(now());
    rules[rule["id"].get<int64_t>()] = rule;
    return json_response(201, rule);
  }
  auto id = id_at(p, 3);
  if (p.size() != 4 || !id || !rules.count(*id)) return not_found();
  json& stored = rules[*id];
  if (m == "GET") return json_response(200, stored);
  if (m == "DELETE") {
    rules.erase(*id);
    return json_response(204, nullptr);
  }
  if (m != "PUT") return not_found();
  if (!body.is_object()) {
    return invalid({{"", "Request body has invalid json format", "invalid_json"}});
  }
  json next = stored;
  for (const auto& [key, value] : body.items()) {
    if (key == "id" || key == "created_at" || key == "updated_at" || key == "outdated" ||
        key == "automation_type_id") {
      return invalid({{key, "Unexpected/invalid field in request", "invalid_field"}});
    }
    next[key] = value;
  }
  json checked = next;
  checked.erase("automation_type_id");
  auto errors = validate_automation_rule(static_cast<int>(*type), checked, account_);
  if (!errors.empty()) return invalid(errors);
  next["updated_at"] = freshdesk_time(now());
  stored = next;
  return json_response(200, stored);
}

void FreshdeskService::fire_rules(const Ticket& ticket, const std::vector<FieldChange>* changes,
                                  int64_t performer) {
  const int type = changes ? kUpdateRuleType : kCreationRuleType;
  std::vector<const json*> ordered;
  for (const auto& [id, r] : rules_[type]) ordered.push_back(&r);
  std::stable_sort(ordered.begin(), ordered.end(), [](const json* a, const json* b) {
    return a->value("position", 0) < b->value("position", 0);
  });
  for (const json* rule : ordered) {
    auto webhook = changes ? update_rule_fires(*rule, ticket, *changes, performer)
                           : creation_rule_fires(*rule, ticket);
    if (webhook) webhooks_.rule_fired(ticket.id, *webhook);
  }
}

void FreshdeskService::record_request(const SimRequest& request, int status) {
  json query = json::object();
  for (const auto& [k, v] : request.query) query[k] = v;
  MutexLock lock(mutex_);
  // Milliseconds, unlike the account's whole-second times: tests measure
  // the waits between requests.
  const auto at =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  request_log_.push_back({{"method", request.method},
                          {"path", request.path},
                          {"query", query},
                          {"status", status},
                          {"time", format_instant(at)}});
}

}  // namespace tierd::sim::freshdesk
