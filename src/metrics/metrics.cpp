#include "metrics/metrics.h"

#include <prometheus/text_serializer.h>

#include <array>

#include "metrics/process_metrics.h"

namespace tierd {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// Acks should take milliseconds; the tail up to the vendor's ~10 s timeout
// still needs to be visible.
const Histogram::BucketBoundaries& ack_buckets() {
  static const Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}

const Histogram::BucketBoundaries& lateness_buckets() {
  static const Histogram::BucketBoundaries kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                       0.25,  0.5,    1,     2.5,  5,     10};
  return kBuckets;
}

struct LabelledFamily {
  const char* name;
  const char* help;
  const char* type;
};
constexpr LabelledFamily kRunningClocks = {
    "tierd_running_clocks", "Tickets whose handling clock is running, by tier", "gauge"};
constexpr LabelledFamily kEscalations = {
    "tierd_escalations_total", "Tickets moved between tiers, by source and target tier and cause",
    "counter"};
constexpr LabelledFamily kBounceBacks = {
    "tierd_bounce_backs_total", "Tickets an agent moved down a tier, by source and target tier",
    "counter"};
constexpr LabelledFamily kTicketsSolved = {
    "tierd_tickets_solved_total", "Tickets solved or closed, by the tier they were in", "counter"};
constexpr LabelledFamily kTicketsReopened = {
    "tierd_tickets_reopened_total", "Solved tickets reopened, by the tier they were in", "counter"};
constexpr LabelledFamily kVendorResponses = {"tierd_vendor_responses_total",
                                             "Helpdesk API responses, by HTTP status", "counter"};
constexpr LabelledFamily kEngineDecisions = {"tierd_engine_decisions_total",
                                             "Engine decisions, by action", "counter"};
constexpr LabelledFamily kUnassignedForwards = {
    "tierd_unassigned_forwards_total", "Forwarded tickets that found no available agent, by route",
    "counter"};
constexpr std::array<LabelledFamily, 8> kLabelledFamilies = {
    kRunningClocks,   kEscalations,     kBounceBacks,     kTicketsSolved,
    kTicketsReopened, kVendorResponses, kEngineDecisions, kUnassignedForwards};

Family<Counter>& counter(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}
Family<Gauge>& gauge(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}
Family<Histogram>& histogram(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      deliveries_(counter(*registry_, "tierd_webhook_deliveries_total",
                          "Webhook deliveries received, by outcome")),
      ack_seconds_family_(histogram(*registry_, "tierd_webhook_ack_seconds",
                                    "Time from receiving a webhook to answering it")),
      inbox_depth_family_(gauge(*registry_, "tierd_inbox_depth", "Unprocessed inbox records")),
      running_clocks_(gauge(*registry_, kRunningClocks.name, kRunningClocks.help)),
      escalations_(counter(*registry_, kEscalations.name, kEscalations.help)),
      bounce_backs_(counter(*registry_, kBounceBacks.name, kBounceBacks.help)),
      review_escalations_family_(
          counter(*registry_, "tierd_review_escalations_total",
                  "Tickets whose review budget ran out, sent to the review leads")),
      tickets_solved_(counter(*registry_, kTicketsSolved.name, kTicketsSolved.help)),
      tickets_reopened_(counter(*registry_, kTicketsReopened.name, kTicketsReopened.help)),
      outbox_depth_family_(
          gauge(*registry_, "tierd_outbox_depth", "Helpdesk writes not yet confirmed")),
      outbox_oldest_age_family_(gauge(*registry_, "tierd_outbox_oldest_age_seconds",
                                      "Age of the oldest pending helpdesk write")),
      vendor_responses_(counter(*registry_, kVendorResponses.name, kVendorResponses.help)),
      rate_limit_waits_family_(counter(*registry_, "tierd_rate_limit_waits_total",
                                       "Times a helpdesk write waited for the rate limit")),
      timer_lateness_family_(
          histogram(*registry_, "tierd_timer_lateness_seconds", "How late deadlines fired")),
      dead_letters_family_(
          counter(*registry_, "tierd_dead_letters_total", "Helpdesk writes given up on")),
      engine_decisions_(counter(*registry_, kEngineDecisions.name, kEngineDecisions.help)),
      reconcile_runs_family_(
          counter(*registry_, "tierd_reconcile_runs_total", "Reconciler runs over the export")),
      reconcile_tickets_family_(counter(*registry_, "tierd_reconcile_tickets_total",
                                        "Tickets read from the incremental export")),
      reconcile_errors_family_(counter(*registry_, "tierd_reconcile_errors_total",
                                       "Failed export requests and reconciler store failures")),
      reconcile_lag_family_(gauge(*registry_, "tierd_reconcile_lag_seconds",
                                  "Time since the point the export is known complete up to")),
      ack_seconds_(ack_seconds_family_.Add({}, ack_buckets())),
      inbox_depth_(inbox_depth_family_.Add({})),
      outbox_depth_(outbox_depth_family_.Add({})),
      outbox_oldest_age_(outbox_oldest_age_family_.Add({})),
      rate_limit_waits_(rate_limit_waits_family_.Add({})),
      review_escalations_(review_escalations_family_.Add({})),
      timer_lateness_(timer_lateness_family_.Add({}, lateness_buckets())),
      dead_letters_(dead_letters_family_.Add({})),
      reconcile_runs_(reconcile_runs_family_.Add({})),
      reconcile_tickets_(reconcile_tickets_family_.Add({})),
      reconcile_errors_(reconcile_errors_family_.Add({})),
      reconcile_lag_(reconcile_lag_family_.Add({})) {
  gauge(*registry_, "tierd_build_info", "The running build; the value is always 1")
      .Add({{"version", TIERD_VERSION}})
      .Set(1);
  // Every delivery outcome appears in the exposition from the start, so a
  // rate() over a fresh series does not miss the first delivery.
  namespace o = delivery_outcome;
  for (std::string_view outcome :
       {o::kAccepted, o::kDuplicate, o::kIgnored, o::kBadSignature, o::kStale, o::kMalformed,
        o::kTooLarge, o::kUnsupportedMediaType, o::kStoreUnavailable}) {
    delivery(outcome);
  }
}

Counter& Metrics::delivery(std::string_view outcome) {
  return deliveries_.Add({{"outcome", std::string(outcome)}});
}

Histogram& Metrics::webhook_ack_seconds() {
  return ack_seconds_;
}

Gauge& Metrics::inbox_depth() {
  return inbox_depth_;
}

Gauge& Metrics::running_clocks(std::string_view tier) {
  return running_clocks_.Add({{"tier", std::string(tier)}});
}

Counter& Metrics::escalations(std::string_view from_tier, std::string_view to_tier,
                              std::string_view cause) {
  return escalations_.Add({{"from", std::string(from_tier)},
                           {"to", std::string(to_tier)},
                           {"cause", std::string(cause)}});
}

Counter& Metrics::bounce_backs(std::string_view from_tier, std::string_view to_tier) {
  return bounce_backs_.Add({{"from", std::string(from_tier)}, {"to", std::string(to_tier)}});
}

Counter& Metrics::review_escalations() {
  return review_escalations_;
}

Counter& Metrics::tickets_solved(std::string_view tier) {
  return tickets_solved_.Add({{"tier", std::string(tier)}});
}

Counter& Metrics::tickets_reopened(std::string_view tier) {
  return tickets_reopened_.Add({{"tier", std::string(tier)}});
}

Gauge& Metrics::outbox_depth() {
  return outbox_depth_;
}

Gauge& Metrics::outbox_oldest_age_seconds() {
  return outbox_oldest_age_;
}

Counter& Metrics::vendor_responses(std::string_view status) {
  return vendor_responses_.Add({{"status", std::string(status)}});
}

Counter& Metrics::vendor_responses(int http_status) {
  return vendor_responses(std::to_string(http_status));
}

Counter& Metrics::rate_limit_waits() {
  return rate_limit_waits_;
}

Histogram& Metrics::timer_lateness_seconds() {
  return timer_lateness_;
}

Counter& Metrics::dead_letters() {
  return dead_letters_;
}

Counter& Metrics::engine_decisions(std::string_view action) {
  return engine_decisions_.Add({{"action", std::string(action)}});
}

Counter& Metrics::unassigned_forwards(std::string_view route) {
  // The registry merges a family registered again under the same name, so the
  // family needs no member of its own.
  return counter(*registry_, kUnassignedForwards.name, kUnassignedForwards.help)
      .Add({{"route", std::string(route)}});
}

Counter& Metrics::reconcile_runs() {
  return reconcile_runs_;
}

Counter& Metrics::reconcile_tickets() {
  return reconcile_tickets_;
}

Counter& Metrics::reconcile_errors() {
  return reconcile_errors_;
}

Gauge& Metrics::reconcile_lag_seconds() {
  return reconcile_lag_;
}

// The registry merges a family registered again under the same name, so
// these need no member of their own.
Gauge& Metrics::shards_owned() {
  return gauge(*registry_, "tierd_shards_owned", "Shards this replica acts on").Add({});
}

Gauge& Metrics::singletons_held() {
  return gauge(*registry_, "tierd_singletons_held",
               "1 while this replica holds the singletons' lease, else 0")
      .Add({});
}

Counter& Metrics::shard_acquisitions() {
  return counter(*registry_, "tierd_shard_acquisitions_total", "Shard leases this replica acquired")
      .Add({});
}

Counter& Metrics::shard_losses() {
  return counter(*registry_, "tierd_shard_losses_total",
                 "Shards this replica stopped owning: released, taken over or not renewed")
      .Add({});
}

Counter& Metrics::fencing_rejections() {
  return counter(*registry_, "tierd_fencing_rejections_total",
                 "Writes the store refused because their lease had moved on")
      .Add({});
}

Histogram& Metrics::failover_lateness_seconds() {
  // A failover waits for the lease to lapse: seconds, not milliseconds.
  static const prometheus::Histogram::BucketBoundaries kBuckets{0.1, 0.25, 0.5, 1,  2,
                                                                5,   10,   20,  30, 60};
  return histogram(*registry_, "tierd_failover_lateness_seconds",
                   "How late deadlines that were due when their shard was gained fired")
      .Add({}, kBuckets);
}

std::string Metrics::exposition() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  if (auto process = read_process_sample()) {
    for (auto& f : process_families(*process)) families.push_back(std::move(f));
  }
  std::string text = prometheus::TextSerializer().Serialize(families);
  // prometheus-cpp leaves out a labelled family until its first child exists;
  // announce it anyway so dashboards and alerts can rely on every name.
  for (const LabelledFamily& f : kLabelledFamilies) {
    if (text.find(std::string("# TYPE ") + f.name + " ") != std::string::npos) continue;
    text += std::string("# HELP ") + f.name + " " + f.help + "\n";
    text += std::string("# TYPE ") + f.name + " " + f.type + "\n";
  }
  return text;
}

}  // namespace tierd
