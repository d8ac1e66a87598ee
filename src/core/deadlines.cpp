// When a ticket next needs deciding (decide.h: Decision::next_deadline).
//
// The earliest instant at which a running clock crosses a threshold that
// still means something: the at-risk share not yet reached, or the budget
// when there is somewhere left to move to. It is computed from the state
// alone, after every decision, rather than kept as state of its own: a
// policy change or a paused clock cannot leave a stale deadline behind.
#include <algorithm>

#include "core/decide_steps.h"

namespace tierd::decide_detail {
namespace {

// The first instant a clock — `used` banked, running since `since` on
// `calendar` (null: always open) — reaches `budget` (when `to_budget`) or its
// at-risk `share` (when `to_share`); nullopt when neither is asked for.
std::optional<Instant> first_threshold(Duration used, Instant since, const WorkCalendar* calendar,
                                       Duration budget, double share, bool to_budget,
                                       bool to_share) {
  std::optional<Instant> best;
  auto consider = [&](Duration target) {
    Duration remaining = target > used ? target - used : Duration(0);
    Instant t = calendar ? calendar->deadline_after(since, remaining) : since + remaining;
    if (!best || t < *best) best = t;
  };
  if (to_budget) consider(budget);
  if (to_share) consider(share_of(budget, share));
  return best;
}

std::optional<Instant> next_review_deadline(const TicketState& s, const Policy& p) {
  if (!s.review.running_since || !p.review) return std::nullopt;
  const ReviewPolicy& review = *p.review;
  const std::optional<Duration> budget = review.budget_for(s.ticket.priority);
  if (!budget) return std::nullopt;
  return first_threshold(s.review.used, *s.review.running_since, review.calendar.get(), *budget,
                         review.at_risk_share, review.lead_group && !s.review.escalation_blocked,
                         !s.review.at_risk);
}

std::optional<Instant> next_tier_deadline(const TicketState& s, const Policy& p) {
  if (!s.stay.running_since) return std::nullopt;
  const TierPolicy* tier = p.tier_at(s.stay.tier);
  if (!tier) return std::nullopt;
  auto budget = tier->budget_for(s.ticket.priority);
  if (!budget) return std::nullopt;
  bool can_escalate =
      s.stay.tier + 1 < static_cast<int>(p.tiers.size()) && !s.stay.escalation_blocked;
  return first_threshold(s.stay.used, *s.stay.running_since, tier->calendar.get(), *budget,
                         tier->at_risk_share, can_escalate, !s.stay.at_risk);
}

}  // namespace

std::optional<Instant> next_deadline(const TicketState& s, const Policy& p) {
  auto tier = next_tier_deadline(s, p);
  auto review = next_review_deadline(s, p);
  if (tier && review) return std::min(*tier, *review);
  return tier ? tier : review;
}

}  // namespace tierd::decide_detail
