// Freshdesk's per-minute API limits by plan. Each answer reports the
// account-wide limit (X-RateLimit-Total) but not the sub-limits for ticket
// updates and ticket lists, which are a fixed part of each plan
// (developers.freshdesk.com/api, "Rate Limit"):
//
//   plan         account  ticket update  tickets list
//   Growth         200         80             20
//   Pro            400        160            100
//   Enterprise     700        280            200
//   add-on        1000        400            300
//   add-on        2000        800            400
//
// Pure; no I/O.
#pragma once

namespace tierd {

struct FreshdeskPlanLimits {
  int requests_per_minute = 0;  // account-wide
  int updates_per_minute = 0;   // Update Ticket
  int lists_per_minute = 0;     // List All Tickets
};

// The limits of the plan whose account-wide limit is `requests_per_minute`.
// A total the table does not name (a trial's 50, a custom contract) gets the
// Growth plan's proportions: updates 40% of it, lists 10%, each at least 1.
FreshdeskPlanLimits freshdesk_plan_limits(int requests_per_minute);

}  // namespace tierd
