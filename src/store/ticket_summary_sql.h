// The ticket summary columns (core/ticket_summary.h) as both SQL stores keep
// them, and the one place the store reads a ticket's state document: the
// schema upgrade that adds the columns derives them from the documents already
// stored. Afterwards the engine hands the summary in with every state it
// commits (EngineCommit::summary).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/ticket_summary.h"

// The rows the engine reloads at start; the partial index over the summary
// columns carries the same condition, so the listing reads only that index.
#define TIERD_CLOCK_SUMMARY_ROWS                                                       \
  "(deadline_ms IS NOT NULL OR open_assignee IS NOT NULL OR running_tier IS NOT NULL " \
  "OR shadow_writes)"

namespace tierd::sql {

// The summary of a stored state document; an empty one for a document that
// does not decode (the engine starts such a ticket afresh when it next sees it).
TicketSummary summary_of_state_json(std::string_view state_json);

// Column values as bound: nullopt is NULL.
inline std::optional<int64_t> running_tier_param(const TicketSummary& s) {
  if (!s.running_tier) return std::nullopt;
  return *s.running_tier;
}

}  // namespace tierd::sql
