#include "sim/freshdesk/webhook_rule.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <utility>

#include "helpdesk/text_codec.h"
#include "sim/common/sim_http.h"

namespace tierd::sim::freshdesk {

using nlohmann::json;

namespace {

std::string join_tags(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) out += (out.empty() ? "" : ", ") + t;
  return out;
}

std::string placeholder_value(std::string_view name, const Ticket& t, std::string_view event) {
  auto id_text = [](const std::optional<int64_t>& id) {
    return id ? std::to_string(*id) : std::string();
  };
  if (name == "triggered_event") return std::string(event);
  if (name == "ticket.id") return std::to_string(t.id);
  if (name == "ticket.status") return status_name(t.status);
  if (name == "ticket.priority") return priority_name(t.priority);
  if (name == "ticket.source") return source_name(t.source);
  if (name == "ticket.group.id") return id_text(t.group_id);
  if (name == "ticket.agent.id") return id_text(t.responder_id);
  if (name == "ticket.tags") return join_tags(t.tags);
  if (name == "ticket.subject") return t.subject;
  if (name == "ticket.updated_at") return freshdesk_time(t.updated_at);
  return "";
}

}  // namespace

std::string readme_body_template(std::string_view rule_name) {
  return R"({"source": "freshdesk_rule", "rule": ")" + std::string(rule_name) +
         R"(", "event": "{{triggered_event}}", "ticket": {"id": "{{ticket.id}}", )"
         R"("status": "{{ticket.status}}", "priority": "{{ticket.priority}}", )"
         R"("group_id": "{{ticket.group.id}}", "responder_id": "{{ticket.agent.id}}", )"
         R"("tags": "{{ticket.tags}}", "source": "{{ticket.source}}", )"
         R"("updated_at": "{{ticket.updated_at}}"}})";
}

std::string triggered_event(bool created, const std::vector<FieldChange>& changes) {
  if (created) return "{ticket_action:created}";
  if (changes.empty()) return "";
  const FieldChange& c = changes.front();
  return "{" + c.field + ":{from:" + c.from + ",to:" + c.to + "}}";
}

std::string render_body(std::string_view body_template, const Ticket& ticket,
                        std::string_view event) {
  std::string out;
  size_t at = 0;
  while (at < body_template.size()) {
    size_t open = body_template.find("{{", at);
    size_t close = open == std::string_view::npos ? open : body_template.find("}}", open + 2);
    if (close == std::string_view::npos) {
      out.append(body_template.substr(at));
      break;
    }
    out.append(body_template.substr(at, open - at));
    std::string_view name = body_template.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    out += placeholder_value(name, ticket, event);
    at = close + 2;
  }
  return out;
}

json delivery_json(const RuleDelivery& d) {
  return {{"seq", d.seq},
          {"ticket_id", d.ticket_id},
          {"rule", d.rule},
          {"event", d.event},
          {"body", d.body},
          {"attempts", d.attempts},
          {"http_status", d.http_status},
          {"postponed", d.postponed},
          {"outcome", d.outcome},
          {"error", d.error}};
}

WebhookRuleSender::WebhookRuleSender(WebhookRuleOptions options, std::function<bool()> admit)
    : options_(std::move(options)), admit_(std::move(admit)), worker_("freshdesk-webhooks") {
  if (!options_.url.empty() && !split_url(options_.url, origin_, path_)) {
    origin_.clear();
    spdlog::error("event=webhook_config_invalid url_has_no_scheme=true");
  }
}

WebhookRuleSender::~WebhookRuleSender() {
  stop();
}

void WebhookRuleSender::start() {
  worker_.start([this] { run(); });
}

void WebhookRuleSender::stop() {
  worker_.stop();
}

void WebhookRuleSender::ticket_created(const Ticket& ticket) {
  if (options_.url.empty()) return;
  const std::string event = triggered_event(true, {});
  const std::string& tmpl = options_.create_template;
  RuleDelivery d;
  d.ticket_id = ticket.id;
  d.rule = "create";
  d.event = event;
  d.body = render_body(tmpl.empty() ? readme_body_template(kCreateRuleName) : tmpl, ticket, event);
  enqueue(std::move(d));
}

void WebhookRuleSender::ticket_updated(const Ticket& ticket,
                                       const std::vector<FieldChange>& changes) {
  if (options_.url.empty() || changes.empty()) return;
  const std::string event = triggered_event(false, changes);
  const std::string& tmpl = options_.update_template;
  RuleDelivery d;
  d.ticket_id = ticket.id;
  d.rule = "update";
  d.event = event;
  d.body = render_body(tmpl.empty() ? readme_body_template(kUpdateRuleName) : tmpl, ticket, event);
  enqueue(std::move(d));
}

void WebhookRuleSender::rule_fired(int64_t ticket_id, const RuleWebhook& webhook) {
  RuleDelivery d;
  d.ticket_id = ticket_id;
  d.rule = webhook.rule_name;
  d.event = webhook.event;
  d.body = webhook.body;
  d.method = webhook.method;
  d.url = webhook.url;
  d.headers = webhook.headers;
  enqueue(std::move(d));
}

void WebhookRuleSender::enqueue(RuleDelivery d) {
  {
    MutexLock lock(mutex_);
    d.seq = next_seq_++;
    std::string origin, path;
    if (d.url.empty() ? origin_.empty() : !split_url(d.url, origin, path)) {
      d.outcome = "dropped";
      d.error = "webhook url has no scheme";
    } else if (paused_) {
      d.outcome = "dropped";
      d.error = "webhooks paused";
    }
    deliveries_.push_back(std::move(d));
    due_.push_back(worker_.clock().now());
  }
  worker_.wake();
}

void WebhookRuleSender::set_paused(bool paused) {
  MutexLock lock(mutex_);
  paused_ = paused;
  if (!paused) return;
  for (RuleDelivery& d : deliveries_) {
    if (d.outcome != "pending") continue;
    d.outcome = "dropped";
    d.error = "webhooks paused";
  }
}

std::vector<RuleDelivery> WebhookRuleSender::deliveries() const {
  MutexLock lock(mutex_);
  return deliveries_;
}

void WebhookRuleSender::clear() {
  MutexLock lock(mutex_);
  deliveries_.clear();
  due_.clear();
}

void WebhookRuleSender::run() {
  while (!worker_.stopping()) {
    std::optional<Instant> next = deliver_due();
    if (next ? !worker_.wait_until(*next) : !worker_.wait()) return;
  }
}

std::optional<Instant> WebhookRuleSender::deliver_due() {
  while (!worker_.stopping()) {
    const Instant now = worker_.clock().now();
    int64_t seq = 0;
    RuleDelivery delivery;
    int attempts = 0;
    std::optional<Instant> next;
    {
      MutexLock lock(mutex_);
      // Deliveries keep the order they were queued in: the oldest pending one
      // goes first, and the rest wait while it is between retries.
      for (size_t i = 0; i < deliveries_.size(); ++i) {
        if (deliveries_[i].outcome != "pending") continue;
        if (due_[i] > now) {
          next = due_[i];
        } else {
          seq = deliveries_[i].seq;
          delivery = deliveries_[i];
          attempts = deliveries_[i].attempts;
        }
        break;
      }
    }
    if (seq == 0) return next;
    if (!admit_()) {
      MutexLock lock(mutex_);
      for (size_t i = 0; i < deliveries_.size(); ++i) {
        if (deliveries_[i].seq != seq) continue;
        deliveries_[i].postponed++;
        due_[i] = now + std::chrono::duration_cast<Duration>(options_.postpone);
      }
      spdlog::info("event=webhook_postponed seq={} reason=rate_limit", seq);
      continue;
    }
    std::string error;
    const int status = post(delivery, error);
    const bool ok = status >= 200 && status < 300;
    MutexLock lock(mutex_);
    for (size_t i = 0; i < deliveries_.size(); ++i) {
      RuleDelivery& d = deliveries_[i];
      if (d.seq != seq) continue;
      d.attempts = attempts + 1;
      d.http_status = status;
      d.error = error;
      if (ok) {
        d.outcome = "delivered";
      } else if (static_cast<size_t>(attempts) < options_.retry_delays.size()) {
        due_[i] = worker_.clock().now() +
                  std::chrono::duration_cast<Duration>(options_.retry_delays[attempts]);
      } else {
        d.outcome = "failed";
        spdlog::warn("event=webhook_failed seq={} ticket_id={} attempts={}", seq, d.ticket_id,
                     d.attempts);
      }
    }
  }
  return std::nullopt;
}

int WebhookRuleSender::post(const RuleDelivery& delivery, std::string& error) const {
  std::string origin = origin_;
  std::string path = path_;
  if (!delivery.url.empty()) split_url(delivery.url, origin, path);
  httplib::Client client(origin);
  const auto timeout_us =
      std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout).count();
  client.set_connection_timeout(timeout_us / 1000000, timeout_us % 1000000);
  client.set_read_timeout(timeout_us / 1000000, timeout_us % 1000000);
  httplib::Headers headers;
  if (!delivery.url.empty()) {
    for (const auto& [name, value] : delivery.headers) headers.emplace(name, value);
  } else if (options_.auth == WebhookAuth::kHeader) {
    headers.emplace(std::string(kSecretHeader), options_.secret);
  } else if (options_.auth == WebhookAuth::kBasic) {
    headers.emplace("Authorization", "Basic " + base64_encode("freshdesk:" + options_.secret));
  }
  const std::string& body = delivery.body;
  const std::string& m = delivery.method;
  auto res = m == "PUT"      ? client.Put(path, headers, body, "application/json")
             : m == "PATCH"  ? client.Patch(path, headers, body, "application/json")
             : m == "DELETE" ? client.Delete(path, headers, body, "application/json")
             : m == "GET"    ? client.Get(path, headers)
                             : client.Post(path, headers, body, "application/json");
  if (!res) {
    error = httplib::to_string(res.error());
    return 0;
  }
  return res->status;
}

}  // namespace tierd::sim::freshdesk
