#include "sim/zendesk/sim_service.h"

#include <spdlog/spdlog.h>

#include <sstream>

#include "sim/zendesk/responses.h"
#include "zendesk/webhook_signature.h"

namespace tierd::sim {

using nlohmann::json;

namespace {

WebhookSenderOptions sender_options(const SimOptions& o) {
  WebhookSenderOptions w;
  w.url = o.webhook_url;
  w.secret = o.webhook_secret.empty() ? std::string(zendesk::kTestSigningSecret) : o.webhook_secret;
  w.account_id = o.account_id;
  w.webhook_id = "01F1KRFQ6BG29CNWFR60NK5FNY";
  w.timeout = o.webhook_timeout;
  w.retry_backoff = o.webhook_retry_backoff;
  return w;
}

bool is_write(const std::string& method) {
  return method != "GET" && method != "HEAD";
}

std::string query_string(const std::map<std::string, std::string>& query) {
  std::string out;
  for (const auto& [k, v] : query) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

}  // namespace

SimService::SimService(SimOptions options)
    : options_(std::move(options)),
      base_credentials_{options_.email, options_.api_token, options_.oauth_token},
      account_limiter_(options_.account_limit_per_minute, std::chrono::seconds(60)),
      update_limiter_(options_.update_limit_per_minute, std::chrono::seconds(60)),
      ticket_update_limiter_(options_.ticket_update_limit, std::chrono::seconds(600)),
      export_limiter_(options_.export_limit_per_minute, std::chrono::seconds(60)),
      webhooks_(sender_options(options_)),
      rng_(std::random_device{}()),
      job_worker_("jobs") {
  SimUser api_user{kApiUserId, "Sim Admin", options_.email, "admin", true, {}, std::nullopt};
  SimUser customer{
      kDefaultRequesterId, "Alex Customer", "alex@customer.example", "end-user", true, {}, 770010};
  state_.users[api_user.id] = api_user;
  state_.users[customer.id] = customer;
  for (auto& field : system_ticket_fields(360000000101, whole_seconds(now()))) {
    state_.ticket_fields[field.id] = std::move(field);
  }
}

SimService::~SimService() {
  stop();
}

void SimService::start(const std::string& base_url) {
  {
    MutexLock lock(mutex_);
    base_url_ = base_url;
  }
  webhooks_.start();
  job_worker_.start([this] { run_jobs(); });
}

void SimService::stop() {
  job_worker_.stop();
  webhooks_.stop();
}

Instant SimService::now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

SimResponse SimService::handle(const SimRequest& request) {
  std::string path = request.path;
  if (path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0) {
    path.resize(path.size() - 5);
  }
  try {
    if (path == "/healthz") return json_response(200, {{"status", "ok"}});
    if (path.rfind("/api/v2/", 0) == 0) return handle_api(request, path);
    if (path.rfind("/sim/", 0) == 0) return handle_control(request, path);
  } catch (const std::exception& e) {
    spdlog::error("event=sim_handler_error path={} error={}", request.path, e.what());
    return error_response(500, "InternalError", e.what());
  }
  return error_response(404, "InvalidEndpoint", "Not found");
}

SimResponse SimService::handle_api(const SimRequest& request, const std::string& path) {
  const AppliedFault fault = apply_fault(faults_, request, [](int status) {
    return status == 409   ? error_response(409, "UpdateConflict", "Injected conflict")
           : status == 429 ? error_response(429, "TooManyRequests", "Rate limit exceeded")
                           : error_response(status, "ServiceUnavailable", "Injected fault");
  });
  if (fault.answer) {
    record_request(request, fault.answer->drop_connection ? 0 : fault.answer->status);
    return *fault.answer;
  }
  const bool drop_after_apply = fault.drop_after_apply;

  bool token_valid;
  {
    MutexLock lock(mutex_);
    token_valid = token_valid_;
  }
  auto auth = request.headers.find("authorization");
  if (!token_valid || auth == request.headers.end() ||
      !is_authorized(auth->second, base_credentials_)) {
    SimResponse r = json_response(401, {{"error", "Couldn't authenticate you"}});
    record_request(request, r.status);
    return r;
  }

  const auto clock_now = Clock::now();
  RateDecision account = account_limiter_.acquire("account", clock_now);
  auto add_rate_headers = [&account](SimResponse& r) {
    r.headers.emplace_back("X-Rate-Limit", std::to_string(account.limit));
    r.headers.emplace_back("X-Rate-Limit-Remaining", std::to_string(account.remaining));
    r.headers.emplace_back("ratelimit-limit", std::to_string(account.limit));
    r.headers.emplace_back("ratelimit-remaining", std::to_string(account.remaining));
    r.headers.emplace_back("ratelimit-reset", std::to_string(account.reset_seconds));
  };
  auto too_many = [&](int retry_after, const std::string& what) {
    SimResponse r = error_response(429, "TooManyRequests", what);
    add_rate_headers(r);
    r.headers.emplace_back("Retry-After", std::to_string(retry_after));
    record_request(request, r.status);
    return r;
  };
  if (!account.allowed) return too_many(account.retry_after_seconds, "Account rate limit exceeded");

  const std::vector<std::string> parts = split_path(path.substr(std::string("/api/v2").size()));
  // The Update Ticket endpoint has its own limits on top of the account's.
  if (request.method == "PUT" && parts.size() == 2 && parts[0] == "tickets" &&
      parts[1] != "update_many") {
    RateDecision per_account = update_limiter_.acquire("account", clock_now);
    if (!per_account.allowed) {
      return too_many(per_account.retry_after_seconds, "Update Ticket rate limit exceeded");
    }
    RateDecision per_ticket = ticket_update_limiter_.acquire("ticket:" + parts[1], clock_now);
    if (!per_ticket.allowed) {
      return too_many(per_ticket.retry_after_seconds,
                      "Update Ticket limit for this ticket exceeded");
    }
  }
  if (parts.size() >= 2 && parts[0] == "incremental") {
    RateDecision exports = export_limiter_.acquire("account", clock_now);
    if (!exports.allowed) {
      return too_many(exports.retry_after_seconds, "Incremental export rate limit exceeded");
    }
  }

  SimResponse r = route_api(request, parts);
  add_rate_headers(r);
  record_request(request, drop_after_apply ? 0 : r.status);
  if (drop_after_apply) {
    spdlog::info("event=fault_applied action=drop_after_apply path={}", request.path);
    r.drop_connection = true;
  }
  return r;
}

SimResponse SimService::route_api(const SimRequest& request, const std::vector<std::string>& p) {
  json body = json::object();
  if (is_write(request.method) && !request.body.empty()) {
    body = json::parse(request.body, nullptr, false);
    if (body.is_discarded())
      return error_response(400, "InvalidJSON", "The body is not valid JSON");
  }
  auto id_at = [&p](size_t i) -> std::optional<int64_t> {
    if (p.size() <= i || p[i].empty() || p[i].size() > 18) return std::nullopt;
    for (char c : p[i]) {
      if (c < '0' || c > '9') return std::nullopt;
    }
    return std::stoll(p[i]);
  };
  const std::string& m = request.method;
  if (!p.empty() && p[0] == "tickets") {
    if (p.size() == 1 && m == "POST") return api_create_ticket(body);
    if (p.size() == 2 && p[1] == "update_many" && m == "PUT") return api_update_many(request, body);
    if (p.size() == 2 && p[1] == "show_many" && m == "GET") return api_show_many_tickets(request);
    auto id = id_at(1);
    if (id && p.size() == 2 && m == "GET") return api_get_ticket(*id);
    if (id && p.size() == 2 && m == "PUT") return api_update_ticket(*id, body);
    if (id && p.size() == 3 && p[2] == "comments" && m == "GET") return api_comments(*id, request);
    if (id && p.size() == 3 && p[2] == "tags") return api_tags(*id, m, body);
  }
  if (!p.empty() && p[0] == "job_statuses" && m == "GET") return api_job_statuses(request, p);
  if (p.size() == 3 && p[0] == "incremental" && p[1] == "tickets" && p[2] == "cursor" &&
      m == "GET") {
    return api_export(request);
  }
  if (!p.empty() && p[0] == "webhooks") return api_webhooks(request, p, body);
  if (!p.empty() && p[0] == "ticket_fields") return api_ticket_fields(request, p, body);
  if (!p.empty() && p[0] == "users" && m == "GET") return api_users(p, request);
  if (!p.empty() && (p[0] == "groups" || p[0] == "group_memberships") && m == "GET") {
    return api_groups(p, request);
  }
  return error_response(404, "InvalidEndpoint", "Not found");
}

void SimService::emit_events_locked(int64_t ticket_id, const TicketChanges& changes,
                                    int64_t actor_id) {
  if (!changes.any()) return;
  const SimTicket& ticket = state_.tickets.at(ticket_id);
  EventContext ctx{options_.account_id, options_.status_case, now(), options_.empty_id};
  for (const auto& event : build_ticket_events(state_, ticket, changes, actor_id, ctx, rng_)) {
    webhooks_.enqueue(event);
    const std::string type = event.value("type", "");
    for (const auto& [id, w] : state_.webhooks) {
      if (w.status == "active" && w.subscribed_to(type)) {
        webhooks_.enqueue_to({w.endpoint, w.signing_secret, w.id}, event);
      }
    }
  }
}

void SimService::record_request(const SimRequest& request, int status) {
  json entry = {{"method", request.method},
                {"path", request.path},
                {"query", query_string(request.query)},
                {"status", status},
                {"time", format_instant(now())}};
  if (is_write(request.method)) {
    json body = json::parse(request.body, nullptr, false);
    entry["body"] = body.is_discarded() ? json(request.body) : body;
  }
  MutexLock lock(mutex_);
  entry["seq"] = next_request_seq_++;
  request_log_.push_back(std::move(entry));
  // Bounded so a long demo does not grow without limit.
  if (request_log_.size() > 20000) request_log_.erase(request_log_.begin());
}

}  // namespace tierd::sim
