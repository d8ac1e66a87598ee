#include "http/webhook_handler.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <exception>
#include <utility>

#include "core/ticket_event.h"
#include "engine/inbox_record.h"

namespace tierd {
namespace {

using Steady = std::chrono::steady_clock;
namespace outcome = delivery_outcome;

constexpr std::string_view kContentTypeHeader = "Content-Type";
constexpr int kRetryAfterSeconds = 5;
// Longest vendor-supplied text put into a log line.
constexpr size_t kMaxLoggedBytes = 96;

// "application/json", "application/json; charset=utf-8", any case.
bool is_json_content_type(std::string_view value) {
  std::string_view media = value.substr(0, value.find(';'));
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  return ascii_lower(media) == "application/json";
}

// Vendor text in logs: bounded, and without spaces, quotes or control bytes
// that could forge key=value pairs or lines.
std::string loggable(std::string_view text) {
  if (text.empty()) return "-";
  std::string out(text.substr(0, kMaxLoggedBytes));
  for (char& c : out) {
    if (c <= ' ' || c > '~' || c == '"' || c == '=') c = '?';
  }
  if (text.size() > kMaxLoggedBytes) out += "...";
  return out;
}

// Free text (reasons, errors) as a quoted log value.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  out.append(text.substr(0, 2 * kMaxLoggedBytes));
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i] < ' ' || out[i] == '"' || out[i] == '\\' || out[i] == 0x7f) out[i] = '?';
  }
  return out + "\"";
}

WebhookResponse json_response(int status, std::string_view key, std::string_view value) {
  WebhookResponse r;
  r.status = status;
  r.body =
      nlohmann::json{{key, value}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

WebhookResponse store_unavailable() {
  WebhookResponse r = json_response(503, "error", "store unavailable, retry");
  r.retry_after_seconds = kRetryAfterSeconds;
  return r;
}

}  // namespace

std::string_view header_value(const HeaderMap& headers, std::string_view name) {
  auto it = headers.find(name);
  return it == headers.end() ? std::string_view() : std::string_view(it->second);
}

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) <
           std::tolower(static_cast<unsigned char>(y));
  });
}

WebhookHandler::WebhookHandler(WebhookHandlerOptions options, const Clock& clock,
                               InboxWriter& inbox, Metrics& metrics)
    : options_(std::move(options)),
      vendor_(make_webhook_vendor(options_.vendor, options_.timestamp_tolerance)),
      clock_(clock),
      inbox_(inbox),
      metrics_(metrics),
      secrets_(std::make_shared<const std::vector<std::string>>(options_.secrets)) {}

void WebhookHandler::set_secrets(std::vector<std::string> secrets) {
  auto next = std::make_shared<const std::vector<std::string>>(std::move(secrets));
  MutexLock lock(secrets_mutex_);
  secrets_ = std::move(next);
}

std::shared_ptr<const std::vector<std::string>> WebhookHandler::secrets() const {
  MutexLock lock(secrets_mutex_);
  return secrets_;
}

WebhookResponse WebhookHandler::handle(const WebhookRequest& request) {
  const auto started = Steady::now();
  try {
    return handle_checked(request, started);
  } catch (const std::exception& e) {
    return finish(outcome::kStoreUnavailable, store_unavailable(), started, "", "", std::nullopt,
                  e.what());
  } catch (...) {
    return finish(outcome::kStoreUnavailable, store_unavailable(), started, "", "", std::nullopt,
                  "unknown exception");
  }
}

WebhookResponse WebhookHandler::refuse_body(const WebhookRequest& request, bool too_large) {
  const auto started = Steady::now();
  const std::string_view delivery = vendor_->delivery_id(request.headers);
  if (too_large) {
    return finish(outcome::kTooLarge, json_response(413, "error", "payload too large"), started,
                  delivery, "", std::nullopt, "");
  }
  return finish(outcome::kMalformed,
                json_response(400, "error", "malformed payload: incomplete body"), started,
                delivery, "", std::nullopt, "body ended early");
}

WebhookResponse WebhookHandler::handle_checked(const WebhookRequest& request,
                                               Steady::time_point started) {
  const std::string_view delivery = vendor_->delivery_id(request.headers);
  if (request.body.size() > options_.max_body_bytes) {
    return finish(outcome::kTooLarge, json_response(413, "error", "payload too large"), started,
                  delivery, "", std::nullopt, "");
  }
  if (!is_json_content_type(header_value(request.headers, kContentTypeHeader))) {
    return finish(outcome::kUnsupportedMediaType,
                  json_response(415, "error", "unsupported media type"), started, delivery, "",
                  std::nullopt, "");
  }

  const Instant now = clock_.now();
  const WebhookAuthCheck check = vendor_->authenticate(*secrets(), request, now);
  if (!check.authentic) {
    // The log says what failed; the answer does not.
    return finish(check.outcome, json_response(401, "error", vendor_->unauthorized_error()),
                  started, delivery, "", std::nullopt, check.detail);
  }

  auto parsed = vendor_->parse(request, now);
  if (!parsed.ok()) {
    const std::string reason = parsed.status().message();
    return finish(outcome::kMalformed, json_response(400, "error", "malformed payload: " + reason),
                  started, delivery, "", std::nullopt, reason);
  }
  if (parsed->outcome == DeliveryOutcome::kIgnored || !parsed->event) {
    return finish(outcome::kIgnored, json_response(200, "status", "ignored"), started, delivery,
                  parsed->type, std::nullopt, parsed->reason);
  }

  const TicketEvent& event = *parsed->event;
  auto appended = inbox_.append(inbox_record(event, now, request.body));
  if (!appended.ok()) {
    return finish(outcome::kStoreUnavailable, store_unavailable(), started, event.event_id,
                  event.type, event.ticket_id, appended.status().message());
  }
  if (*appended == AppendOutcome::kDuplicate) {
    return finish(outcome::kDuplicate, json_response(200, "status", "duplicate"), started,
                  event.event_id, event.type, event.ticket_id, "");
  }
  return finish(outcome::kAccepted, json_response(200, "status", "accepted"), started,
                event.event_id, event.type, event.ticket_id, event_kind_name(event.kind));
}

WebhookResponse WebhookHandler::finish(std::string_view result, WebhookResponse response,
                                       Steady::time_point started, std::string_view event_id,
                                       std::string_view type, std::optional<int64_t> ticket_id,
                                       std::string_view detail) {
  const double seconds = std::chrono::duration<double>(Steady::now() - started).count();
  metrics_.delivery(result).Increment();
  metrics_.webhook_ack_seconds().Observe(seconds);
  const bool refused = response.status >= 400;
  spdlog::log(refused ? spdlog::level::warn : spdlog::level::info,
              "webhook event={} type={} ticket={} outcome={} status={} latency_ms={:.3f} "
              "detail={}",
              loggable(event_id), loggable(type), ticket_id ? std::to_string(*ticket_id) : "-",
              result, response.status, seconds * 1000.0, quoted(detail));
  return response;
}

void register_webhook_route(httplib::Server& server, WebhookHandler& handler) {
  server.set_payload_max_length(handler.max_body_bytes() + 1);
  server.set_tcp_nodelay(true);
  server.Post(std::string(handler.path()),
              [&handler](const httplib::Request& req, httplib::Response& res,
                         const httplib::ContentReader& read_body) {
                // httplib turns an escaping exception into a 500 carrying its
                // text; answer a plain 503 instead.
                try {
                  WebhookRequest request;
                  for (const auto& [name, value] : req.headers)
                    request.headers.emplace(name, value);
                  bool too_large = false;
                  const bool whole = read_body([&](const char* data, size_t size) {
                    too_large = request.body.size() + size > handler.max_body_bytes();
                    if (!too_large) request.body.append(data, size);
                    return !too_large;
                  });
                  too_large = too_large || res.status == 413;  // refused unread by httplib
                  WebhookResponse response =
                      whole ? handler.handle(request) : handler.refuse_body(request, too_large);
                  res.status = response.status;
                  if (response.retry_after_seconds) {
                    res.set_header("Retry-After", std::to_string(*response.retry_after_seconds));
                  }
                  res.set_content(response.body, response.content_type);
                } catch (...) {
                  res.status = 503;
                  res.set_content(R"({"error":"store unavailable, retry"})", "application/json");
                }
              });
}

}  // namespace tierd
