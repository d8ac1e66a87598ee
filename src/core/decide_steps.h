// The named steps decide() runs, one section per file of src/core that
// implements them. Private to those files, like decide_step.h; the rules
// they implement are listed in decide.h.
//
// decide() (decide.cpp) folds its input — an event (mirror_fold.cpp) or the
// outcome of tierd's own writes (own_writes.cpp) — into the state, then
// evaluates the ticket: shadow backlog and going live (shadow.cpp),
// overwritten tags (tag_restore.cpp), forward requests (forward.cpp), the
// review stay (review_flow.cpp), then the tier's request tags, budget and
// at-risk share (escalation.cpp). Clock accounting for both stays is in
// tier_clock.cpp and review_flow.cpp; the next deadline in deadlines.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/decide_step.h"

namespace tierd::decide_detail {

// decide.cpp: the dispatcher. One pass over the ticket after its input was
// folded in; every step that asks for a move ends the pass.
void evaluate(Step& st);

// mirror_fold.cpp: the helpdesk's reports folded into the mirror.
enum class Origin { kCreated, kEvent, kOwnWrite, kReread };
// Folds a vendor snapshot into the mirror and the tier stay, as of `at`.
void fold_snapshot(Step& st, const TicketSnapshot& snap, Instant at, Origin origin,
                   std::optional<UserId> actor);
void fold_event(Step& st, const TicketEvent& e);

// tier_clock.cpp: the tier stay and its handling clock.
Duration used_at(const TicketState& s, const Policy& p, Instant t);
// Starts or pauses the clock to match the ticket's status, as of `at`.
void sync_clock(Step& st, Instant at);
void enter_tier(Step& st, int tier, Instant at, const std::string& how);

// escalation.cpp: moves between tiers.
// After an agent moved the ticket between tiers (or out of them), fixes the
// tags tierd set for the old stay.
void retag_after_move(Step& st, bool was_at_risk);
// An agent's escalate or deescalate tag. Returns true when the ticket moves.
bool handle_tier_requests(Step& st);
// The tier budget and its at-risk share. Returns true when the ticket moves.
bool check_tier_budget(Step& st);

// review_flow.cpp: the review stay, its clock, arrival and escalation.
Duration review_used_at(const TicketState& s, const Policy& p, Instant t);
// Starts or pauses the review clock to match the ticket, as of `at`.
void sync_review_clock(Step& st, Instant at);
// Starts or ends the review stay to match the ticket's group, as of `at`.
void sync_review_stay(Step& st, Instant at);
// Arrival and the review budget. Returns true when the ticket moves.
bool handle_review(Step& st);

// forward.cpp: forwarding on a tag, the field or a routing rule.
// A routing rule forwarded rather than a reviewer when `rule` is set.
void forward(Step& st, const RoutePolicy& route, const RoutingRule* rule,
             const std::string& request);
// Acts on a forward tag or field unless a move is already on its way.
// Returns true when the ticket is on its way.
bool handle_forward_request(Step& st);

// own_writes.cpp: tierd's writes from being asked for to their outcome.
// A write of `kind` with the next key, based on the mirror's tags and stamp.
TicketWrite new_write(Step& st, std::string kind);
// Asks for `w`; `to_group` and `to_tier` name where a move takes the ticket.
void push_write(Step& st, TicketWrite w, std::optional<GroupId> to_group = std::nullopt,
                int to_tier = -1);
// A confirmation, conflict or dead letter for some of the pending writes.
void fold_write_outcome(Step& st, const Input& in);

// tag_restore.cpp: agents' tags overwritten by tierd's whole-list writes.
// Notes the tags the echo `e` of tierd's own tag write shows overwritten.
void note_overwritten_tags(Step& st, const TicketEvent& e);
// Asks for the noted tags back, one write at a time.
void restore_tags(Step& st);

// shadow.cpp: shadow mode and going live.
// Forgets the backlog of a ticket that was deleted or closed.
void drop_backlog_of_ended_ticket(Step& st);
// Returns true when the going-live write was asked for.
bool go_live(Step& st);
// The going-live write met a changed ticket: `fresh` becomes the mirror's
// base, keeping the backlog's group and assignee.
void rebase_virtual_mirror(Step& st, const TicketSnapshot& fresh);
// Shadow mode: settles this decision's writes as if they had landed.
void settle_in_shadow(Step& st);

// deadlines.cpp: when the ticket next needs deciding.
std::optional<Instant> next_deadline(const TicketState& s, const Policy& p);

}  // namespace tierd::decide_detail
