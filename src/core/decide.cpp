// decide() and the public functions of decide.h: the dispatcher over the
// named steps of decide_steps.h.
//
// A decision is two phases. First the input is folded into the state:
// what the helpdesk reported (mirror_fold.cpp) or what became of tierd's
// own writes (own_writes.cpp); the only write asked for there is the tag
// fix an agent's move needs. Then evaluate() looks at the ticket as it now
// is, whatever input led there, and asks for at most one move, in a fixed
// order of precedence. In shadow mode the writes are then settled at once
// (shadow.cpp), and the next deadline is computed last (deadlines.cpp),
// from the final state.
#include "core/decide.h"

#include "core/decide_steps.h"

namespace tierd {

namespace decide_detail {

void evaluate(Step& st) {
  TicketState& s = st.s;
  drop_backlog_of_ended_ticket(st);
  if (!s.known || s.deleted) return;
  if (go_live(st)) return;
  restore_tags(st);
  if (handle_forward_request(st)) return;
  if (handle_review(st)) return;
  if (handle_tier_requests(st)) return;
  check_tier_budget(st);
}

}  // namespace decide_detail

Input Input::Event(TicketEvent e) {
  Input in;
  in.kind = InputKind::kEvent;
  in.event = std::move(e);
  return in;
}

Input Input::Tick() {
  return Input{};
}

Input Input::WriteOutcome(InputKind kind, std::vector<std::string> keys,
                          std::optional<TicketSnapshot> ticket, std::string detail) {
  Input in;
  in.kind = kind;
  in.write_keys = std::move(keys);
  in.vendor_ticket = std::move(ticket);
  in.detail = std::move(detail);
  return in;
}

std::string escalation_cause(std::string_view cause, std::string_view reason) {
  if (!cause.empty()) return std::string(cause);
  return reason == "budget" ? "timer" : "manual_tag";
}

std::string Decision::summary() const {
  if (writes.empty()) return audit.empty() ? "noop" : audit.back().kind;
  std::string out;
  for (const auto& w : writes) {
    if (!out.empty()) out += ',';
    out += w.kind;
  }
  return out;
}

Duration handling_time(const TicketState& state, Instant now, const Policy& policy) {
  return decide_detail::used_at(state, policy, now);
}

TicketState rebase_clock(const TicketState& state, Instant now, const Policy& old_policy) {
  TicketState s = state;
  if (s.stay.running_since && now > *s.stay.running_since) {
    s.stay.used = decide_detail::used_at(s, old_policy, now);
    s.stay.running_since = now;
  }
  if (s.review.running_since && now > *s.review.running_since) {
    s.review.used = decide_detail::review_used_at(s, old_policy, now);
    s.review.running_since = now;
  }
  return s;
}

Decision decide(const TicketState& state, const Input& input, Instant now, const Policy& policy) {
  static const Roster kNobody;
  return decide(state, input, now, policy, kNobody);
}

Decision decide(const TicketState& state, const Input& input, Instant now, const Policy& policy,
                const Roster& roster) {
  Decision d;
  d.state = state;
  decide_detail::Step st{policy, roster, now, d, d.state};
  using namespace decide_detail;
  switch (input.kind) {
    case InputKind::kEvent:
      if (input.event) fold_event(st, *input.event);
      break;
    case InputKind::kTick:
      break;
    case InputKind::kWriteConfirmed:
    case InputKind::kWriteConflict:
    case InputKind::kWriteDead:
      fold_write_outcome(st, input);
      break;
  }
  evaluate(st);
  if (policy.shadow) settle_in_shadow(st);
  d.next_deadline = next_deadline(d.state, policy);
  return d;
}

}  // namespace tierd
