// Metrics: the daemon's Prometheus metrics, one object owning the registry and
// every metric family, so all modules count into the same names.
//
// Families (names are part of the admin-facing contract; do not rename):
//   tierd_webhook_deliveries_total{outcome}   accepted|duplicate|ignored|bad_signature|stale|
//                                             malformed|too_large|unsupported_media_type|
//                                             store_unavailable
//   tierd_webhook_ack_seconds                 histogram, receive to answer
//   tierd_inbox_depth                         gauge, unprocessed inbox records
//   tierd_running_clocks{tier}                gauge
//   tierd_escalations_total{from,to,cause}   tier changes: cause timer|manual_tag (tierd's
//                                             own, down moves by tag included) or
//                                             agent_move (an agent moved the ticket)
//   tierd_bounce_backs_total{from,to}         moves down a tier by an agent
//   tierd_review_escalations_total            review budgets run out (sent to the leads)
//   tierd_tickets_solved_total{tier}          tickets solved (or closed), by their tier then
//   tierd_tickets_reopened_total{tier}        solved tickets reopened, by their tier
//   tierd_outbox_depth                        gauge
//   tierd_outbox_oldest_age_seconds           gauge
//   tierd_vendor_responses_total{status}      HTTP status or "timeout"/"error"
//   tierd_rate_limit_waits_total
//   tierd_timer_lateness_seconds              histogram, 1 ms .. 10 s buckets
//   tierd_dead_letters_total
//   tierd_engine_decisions_total{action}
//   tierd_unassigned_forwards_total{route}    forwards that found no available agent
//   tierd_reconcile_runs_total                reconciler runs, failed ones included
//   tierd_reconcile_tickets_total             tickets read from the incremental export
//   tierd_reconcile_errors_total              failed export requests and store failures
//   tierd_reconcile_lag_seconds               gauge, now - the time the export is known
//                                             complete up to (newest exported updated_at,
//                                             or the vendor's exclusion window once caught up)
//   tierd_shards_owned                        gauge, shards this replica acts on (replicas only,
//                                             like the five below)
//   tierd_singletons_held                     gauge, 1 while this replica holds the singletons'
//                                             lease (export, pruning, availability reads)
//   tierd_shard_acquisitions_total            shards this replica took a lease of
//   tierd_shard_losses_total                  shards it stopped owning (released, taken over,
//                                             or a renewal overdue)
//   tierd_fencing_rejections_total            writes the store refused: their lease moved on
//                                             (commits, outbox attempts, singletons' meta)
//   tierd_failover_lateness_seconds           histogram, how late a deadline already due when
//                                             its shard was gained fired
//   tierd_build_info{version}                 gauge, always 1
//   process_*                                 CPU, memory, start time and file descriptors
//                                             (process_metrics.h), read at each exposition()
//
// Ownership: created once by the daemon (or a test) and passed by reference;
// it must outlive every user. The accessors return references to children
// owned by the registry, valid for the Metrics object's lifetime.
// Thread safety: every method may be called from any thread (prometheus-cpp
// families and metrics are internally synchronised).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace tierd {

// The outcome label values of tierd_webhook_deliveries_total.
namespace delivery_outcome {
inline constexpr std::string_view kAccepted = "accepted";
inline constexpr std::string_view kDuplicate = "duplicate";
inline constexpr std::string_view kIgnored = "ignored";
inline constexpr std::string_view kBadSignature = "bad_signature";
inline constexpr std::string_view kStale = "stale";
inline constexpr std::string_view kMalformed = "malformed";
inline constexpr std::string_view kTooLarge = "too_large";
inline constexpr std::string_view kUnsupportedMediaType = "unsupported_media_type";
inline constexpr std::string_view kStoreUnavailable = "store_unavailable";
}  // namespace delivery_outcome

class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  prometheus::Counter& delivery(std::string_view outcome);
  prometheus::Histogram& webhook_ack_seconds();
  prometheus::Gauge& inbox_depth();
  prometheus::Gauge& running_clocks(std::string_view tier);
  prometheus::Counter& escalations(std::string_view from_tier, std::string_view to_tier,
                                   std::string_view cause);
  prometheus::Counter& bounce_backs(std::string_view from_tier, std::string_view to_tier);
  prometheus::Counter& review_escalations();
  prometheus::Counter& tickets_solved(std::string_view tier);
  prometheus::Counter& tickets_reopened(std::string_view tier);
  prometheus::Gauge& outbox_depth();
  prometheus::Gauge& outbox_oldest_age_seconds();
  prometheus::Counter& vendor_responses(std::string_view status);
  prometheus::Counter& vendor_responses(int http_status);
  prometheus::Counter& rate_limit_waits();
  prometheus::Histogram& timer_lateness_seconds();
  prometheus::Counter& dead_letters();
  prometheus::Counter& engine_decisions(std::string_view action);
  // tierd_unassigned_forwards_total{route}: forwards that found nobody available.
  prometheus::Counter& unassigned_forwards(std::string_view route);
  prometheus::Counter& reconcile_runs();
  prometheus::Counter& reconcile_tickets();
  prometheus::Counter& reconcile_errors();
  prometheus::Gauge& reconcile_lag_seconds();
  // Registered at first use, so a single process shows none of them.
  prometheus::Gauge& shards_owned();
  prometheus::Gauge& singletons_held();
  prometheus::Counter& shard_acquisitions();
  prometheus::Counter& shard_losses();
  prometheus::Counter& fencing_rejections();
  prometheus::Histogram& failover_lateness_seconds();

  // Everything registered, in the Prometheus text exposition format (0.0.4).
  std::string exposition() const;
  // For an exposer or for families another module registers itself.
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  // Set at construction; the families are owned by registry_.
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& deliveries_;
  prometheus::Family<prometheus::Histogram>& ack_seconds_family_;
  prometheus::Family<prometheus::Gauge>& inbox_depth_family_;
  prometheus::Family<prometheus::Gauge>& running_clocks_;
  prometheus::Family<prometheus::Counter>& escalations_;
  prometheus::Family<prometheus::Counter>& bounce_backs_;
  prometheus::Family<prometheus::Counter>& review_escalations_family_;
  prometheus::Family<prometheus::Counter>& tickets_solved_;
  prometheus::Family<prometheus::Counter>& tickets_reopened_;
  prometheus::Family<prometheus::Gauge>& outbox_depth_family_;
  prometheus::Family<prometheus::Gauge>& outbox_oldest_age_family_;
  prometheus::Family<prometheus::Counter>& vendor_responses_;
  prometheus::Family<prometheus::Counter>& rate_limit_waits_family_;
  prometheus::Family<prometheus::Histogram>& timer_lateness_family_;
  prometheus::Family<prometheus::Counter>& dead_letters_family_;
  prometheus::Family<prometheus::Counter>& engine_decisions_;
  prometheus::Family<prometheus::Counter>& reconcile_runs_family_;
  prometheus::Family<prometheus::Counter>& reconcile_tickets_family_;
  prometheus::Family<prometheus::Counter>& reconcile_errors_family_;
  prometheus::Family<prometheus::Gauge>& reconcile_lag_family_;

  // The unlabelled children, created once.
  prometheus::Histogram& ack_seconds_;
  prometheus::Gauge& inbox_depth_;
  prometheus::Gauge& outbox_depth_;
  prometheus::Gauge& outbox_oldest_age_;
  prometheus::Counter& rate_limit_waits_;
  prometheus::Counter& review_escalations_;
  prometheus::Histogram& timer_lateness_;
  prometheus::Counter& dead_letters_;
  prometheus::Counter& reconcile_runs_;
  prometheus::Counter& reconcile_tickets_;
  prometheus::Counter& reconcile_errors_;
  prometheus::Gauge& reconcile_lag_;
};

}  // namespace tierd
