// The tier stay and its handling clock (decide.h: "A ticket is in the tier
// that owns its group..." and "The clock runs while the status is one of
// the tier's clock statuses...").
//
// The clock is kept as banked time plus a running start rather than as a
// counter, so that decide() needs no tick to count: any input can compute
// the time used at `now`, and a pause only banks what ran. What to do once
// the time is used is escalation.cpp's job.
#include <algorithm>

#include "core/decide_steps.h"

namespace tierd::decide_detail {
namespace {

bool clock_should_run(const TicketState& s, const Policy& p) {
  const TierPolicy* tier = p.tier_at(s.stay.tier);
  if (!tier || s.deleted || !s.known) return false;
  if (!tier->budget_for(s.ticket.priority)) return false;  // no budget: nothing to count
  if (moving(s)) return false;
  return tier->clock_runs_in(s.ticket.status);
}

}  // namespace

Duration used_at(const TicketState& s, const Policy& p, Instant t) {
  const TierPolicy* tier = p.tier_at(s.stay.tier);
  if (!tier) return Duration(0);
  Duration used = s.stay.used;
  if (s.stay.running_since) used += working_time(tier->calendar.get(), *s.stay.running_since, t);
  return used;
}

void sync_clock(Step& st, Instant at) {
  TicketState& s = st.s;
  auto switched =
      switch_clock(clock_should_run(s, st.policy), s.stay.used, s.stay.running_since,
                   s.stay.entered_at, at, [&](Instant t) { return used_at(s, st.policy, t); });
  if (!switched) return;
  st.audit(s.stay.running_since ? "clock_running" : "clock_paused",
           {{"tier", st.policy.tier_name(s.stay.tier)},
            {"status", ticket_status_name(s.ticket.status)},
            {"used_ms", s.stay.used.count()},
            {"at", format_instant(*switched)}});
}

void enter_tier(Step& st, int tier, Instant at, const std::string& how) {
  TicketState& s = st.s;
  if (s.stay.tier >= 0) {
    st.audit("tier_left", {{"tier", st.policy.tier_name(s.stay.tier)},
                           {"used_ms", used_at(s, st.policy, at).count()},
                           {"stay_ms", (at - s.stay.entered_at).count()},
                           {"to", st.policy.tier_name(tier)},
                           {"how", how}});
  }
  s.stay = TierStay{};
  s.stay.tier = tier;
  s.stay.entered_at = at;
  s.stay.entered_by = how;
  if (tier >= 0) {
    json detail{{"tier", st.policy.tier_name(tier)}, {"how", how}, {"at", format_instant(at)}};
    if (s.ticket.group_id) detail["group"] = *s.ticket.group_id;
    st.audit("tier_entered", std::move(detail));
  }
}

}  // namespace tierd::decide_detail
