// `tierd report --csv`: one table of the report as CSV (RFC 4180: comma
// separated, CRLF line ends, fields quoted when they hold a comma, a quote or
// a line break), for a spreadsheet or a BI tool.
//
// The tables are cut from to_json(report), so the CSV and the JSON carry the
// same numbers by construction: a table is one array of the JSON ("tiers",
// "agents", "reviewers", "routes"), one row per element, and nested objects
// become dotted columns ("time_in_tier.p50_ms"), in name order after the
// row's "name" or "id"; "summary" is the one row of the top-level counts and
// the review counts ("review.entered"). Nulls are empty fields. Pure; any thread may call these
// functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "reports/report.h"

namespace tierd {

// The table names --table accepts, the default first.
const std::vector<std::string>& report_csv_tables();

// InvalidArgument naming the choices when `table` is not one of them.
Result<std::string> to_csv(const TierReport& report, std::string_view table);

}  // namespace tierd
