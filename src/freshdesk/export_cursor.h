// Where an export of Freshdesk tickets stands, and how one listed page moves
// it on. Freshdesk lists tickets updated since an instant, ordered by
// updated_at, 100 a page, but never past page 300 (List All Tickets). To read
// on, a new listing starts at the last updated_at seen; it lists that
// second's tickets again, and the ones already returned are left out by id.
//
// The cursor text is "fd1;<since, unix ms>;<page>;<boundary, unix ms or
// empty>;<comma-separated ids>": the listing's updated_since, the page to
// ask for, the latest updated_at returned so far and the ids returned with
// exactly that updated_at. Should more tickets than a listing holds share
// one second, the export cannot get past them (the cursor grows instead):
// Freshdesk gives no finer order to page by.
//
// Pure; any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/ticket.h"
#include "core/time.h"

namespace tierd::freshdesk {

// The last page Freshdesk lists, and the most tickets a page holds.
inline constexpr int kListPageCap = 300;
inline constexpr size_t kListPageSize = 100;

struct ExportCursor {
  Instant since{};
  int page = 1;
  std::optional<Instant> boundary;     // latest updated_at returned
  std::vector<TicketId> boundary_ids;  // returned with updated_at == boundary

  // A first listing from `since`, cut to whole seconds (Freshdesk's).
  static ExportCursor starting_at(Instant since);
  std::string encode() const;
  // InvalidArgument naming the text's problem.
  static Result<ExportCursor> decode(std::string_view text);
};

struct ExportStep {
  std::vector<TicketSnapshot> tickets;  // the page's tickets not returned before
  ExportCursor next;
  bool end_of_stream = false;
};

// Folds one page listed at `at` (tickets in Freshdesk's order; `has_next`
// when the answer linked a next page) into what to return and where to go
// on: the next page; past the cap, a new listing from the boundary; at the
// end, a listing from the boundary, for the next run.
ExportStep fold_export_page(const ExportCursor& at, std::vector<TicketSnapshot> tickets,
                            bool has_next);

}  // namespace tierd::freshdesk
