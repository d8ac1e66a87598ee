// The "Trigger webhook" action of Freshdesk automation rules, as
// freshdesk-sim plays it: one rule on ticket creation and one on ticket
// updates, each POSTing a body written from placeholders to one URL.
//
// What Freshdesk documents, and the simulator does:
// - webhooks exist only as the action of rules that run on ticket creation
//   and on ticket updates; there is no signature: the admin adds a custom
//   header or "Requires authentication" (Basic) to prove the sender;
// - placeholders are pasted in as plain text, unescaped ({{ticket.id}},
//   {{ticket.status}} as the status name, {{triggered_event}} as
//   "{status:{from:2,to:3}}" or "{ticket_action:created}"), and only the first
//   matching event is reported when several properties change together;
// - a failed delivery is retried after 5, 30 and 60 minutes, then given up
//   (Freshdesk e-mails the admins); the delays are a flag so tests can
//   shorten them;
// - webhook executions draw from the account's API rate limit; one over it
//   is postponed (Freshdesk: to the next hour).
// Assumed (not documented): any 2xx answer is a success and anything else,
// a refused connection or a timeout is a failure; {{ticket.group.id}} and
// {{ticket.agent.id}} render the ids ("" when none), {{ticket.tags}} the
// tags joined by ", ", {{ticket.updated_at}} an ISO-8601 UTC instant; the
// update rule fires on status, priority, group and agent changes and on
// updates made through the API (its performer is "Agent or Requester").
//
// Owns one sender thread. enqueue(), set_paused(), deliveries() and clear()
// are safe from any thread; stop() abandons what is pending, like a process exit.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/mutex.h"
#include "runtime/worker_thread.h"
#include "sim/freshdesk/account.h"
#include "sim/freshdesk/automation_rules.h"

namespace tierd::sim::freshdesk {

// The custom header tierd's README has the rule send.
inline constexpr std::string_view kSecretHeader = "X-Tierd-Webhook-Secret";

enum class WebhookAuth {
  kNone,
  kHeader,  // X-Tierd-Webhook-Secret: <secret>
  kBasic,   // "Requires authentication": any username, the secret as password
};

struct WebhookRuleOptions {
  std::string url;  // empty: no rule has the action
  WebhookAuth auth = WebhookAuth::kHeader;
  std::string secret;
  // The rules' bodies; empty: tierd's README body with the rule's name.
  std::string create_template;
  std::string update_template;
  std::vector<std::chrono::milliseconds> retry_delays{
      std::chrono::minutes(5), std::chrono::minutes(30), std::chrono::minutes(60)};
  std::chrono::milliseconds postpone{std::chrono::hours(1)};
  std::chrono::milliseconds timeout{10000};
};

// tierd's body (README, "Freshdesk") with `rule_name` in "rule".
std::string readme_body_template(std::string_view rule_name);
inline constexpr std::string_view kCreateRuleName = "tierd: ticket creation";
inline constexpr std::string_view kUpdateRuleName = "tierd: ticket updates";

// {{triggered_event}} for a creation (`changes` ignored) or the first change.
std::string triggered_event(bool created, const std::vector<FieldChange>& changes);

// Pastes the placeholders' values into `body_template` as plain text;
// unknown placeholders render empty, as Freshdesk leaves them.
std::string render_body(std::string_view body_template, const Ticket& ticket,
                        std::string_view event);

// What happened to one delivery; shown by GET /sim/webhooks.
struct RuleDelivery {
  int64_t seq = 0;
  int64_t ticket_id = 0;
  std::string rule;  // "create" | "update" (the flags' rules), or an API rule's name
  std::string event;
  std::string body;
  int attempts = 0;
  int http_status = 0;              // last answer; 0 when none
  int postponed = 0;                // times the rate limit pushed it back
  std::string outcome = "pending";  // pending | delivered | failed | dropped
  std::string error;
  // Where an API rule's action sends it; empty url: the flags' rules'
  // target and authentication.
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
};
nlohmann::json delivery_json(const RuleDelivery& d);

class WebhookRuleSender {
 public:
  // `admit` draws one request from the account's rate limit; false: spent.
  WebhookRuleSender(WebhookRuleOptions options, std::function<bool()> admit);
  ~WebhookRuleSender();
  WebhookRuleSender(const WebhookRuleSender&) = delete;
  WebhookRuleSender& operator=(const WebhookRuleSender&) = delete;

  void start();
  void stop();

  // Renders the creation or update rule's body for the ticket as it is now
  // and queues it; nothing when no URL is configured or an update changed
  // none of the rule's properties.
  void ticket_created(const Ticket& ticket) EXCLUDES(mutex_);
  void ticket_updated(const Ticket& ticket, const std::vector<FieldChange>& changes)
      EXCLUDES(mutex_);
  // Queues what an automation rule created through the API sends.
  void rule_fired(int64_t ticket_id, const RuleWebhook& webhook) EXCLUDES(mutex_);
  // Paused: new and pending deliveries are dropped, as when tierd stayed
  // unreachable past Freshdesk's retries (a control of the simulator, so
  // tests need not wait out the retries).
  void set_paused(bool paused) EXCLUDES(mutex_);
  std::vector<RuleDelivery> deliveries() const EXCLUDES(mutex_);
  void clear() EXCLUDES(mutex_);

 private:
  void enqueue(RuleDelivery delivery) EXCLUDES(mutex_);
  void run();
  // Attempts the deliveries that are due; returns when the next one is.
  std::optional<Instant> deliver_due() EXCLUDES(mutex_);
  // One request; the HTTP status, or 0 with `error` set.
  int post(const RuleDelivery& delivery, std::string& error) const;

  // Set at construction.
  const WebhookRuleOptions options_;
  const std::function<bool()> admit_;
  std::string origin_;
  std::string path_;

  mutable Mutex mutex_;
  std::vector<RuleDelivery> deliveries_ GUARDED_BY(mutex_);
  std::vector<Instant> due_ GUARDED_BY(mutex_);  // per delivery
  int64_t next_seq_ GUARDED_BY(mutex_) = 1;
  bool paused_ GUARDED_BY(mutex_) = false;

  // Last: its thread uses the members above, so it stops before they go.
  WorkerThread worker_;
};

}  // namespace tierd::sim::freshdesk
