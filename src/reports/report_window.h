// The time window of `tierd report`: --since and --until as an admin writes
// them, read in the helpdesk account's time zone.
//
// A bound is one of
//  * a duration back from now: "7d", "24h" (parse_duration);
//  * a local date, "2025-03-10": the start of that day in the zone;
//  * a local time, "2025-03-10T09:30" or "2025-03-10 09:30:00", in the zone;
//  * an instant with its own offset, "2025-03-10T09:30:00Z" or "...+01:00".
// A local time that falls in a daylight-saving gap or overlap resolves to the
// earliest instant it can name. Pure (the zone database is read-only); any
// thread may call it.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"

namespace tierd {

// InvalidArgument with a sentence when the text is none of the forms above
// or the zone is unknown.
Result<Instant> parse_report_bound(std::string_view text, const std::string& timezone, Instant now);

}  // namespace tierd
