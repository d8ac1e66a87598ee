// The replay file: one Zendesk webhook body per line (JSONL), exactly the
// bodies tierd receives at POST /webhooks/zendesk, each compacted onto one line.
//
//  * `tierd export-events` writes the inbox of a time range as such a file
//    (Store::inbox_range, each record's raw_body), so last week can be replayed.
//  * read_event_lines() reads one back for `tierd simulate`, mapping each body
//    with the production webhook mapping (zendesk/webhook_payload.h).
//
// Free functions; any thread may call them. Records without a webhook body
// (tickets the reconciler read through the API) are left out of an export and
// counted.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/ticket_event.h"
#include "core/time.h"
#include "store/store.h"

namespace tierd {

// A line of the events file that gave no usable event, and why.
struct SkippedLine {
  size_t line = 0;     // 1-based line number in the file
  std::string reason;  // one sentence an admin can act on
};

struct EventLines {
  std::vector<TicketEvent> events;   // in file order
  size_t lines = 0;                  // non-blank lines read
  std::vector<SkippedLine> skipped;  // every other non-blank line, in file order
};

// Reads every line of `in`. A line is skipped, with its reason, when it is
// not JSON, not a Zendesk event delivery (no `type`, a type without the
// "zen:event-type:" prefix, a user or organization event), or a ticket event
// without its `detail` (a replay needs the ticket as it was, which the
// webhook's detail carries). This never fails as a whole. A body without any
// time of its own gets the time of the line before it.
EventLines read_event_lines(std::istream& in);

// "line 7: ..." as simulate prints a skipped line.
std::string describe(const SkippedLine& skipped);

struct ExportCount {
  size_t written = 0;
  size_t without_body = 0;  // reconciler reads: no webhook body to replay
  size_t unreadable = 0;    // a stored body that is not JSON
};

// Writes the inbox records received in [from, to) to `out`, one body per
// line, in arrival order. Returns the counts, or the store's error.
Result<ExportCount> export_inbox(Store& store, Instant from, Instant to, std::ostream& out);

}  // namespace tierd
