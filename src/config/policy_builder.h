// build_policy(): turns a validated Config into the core's Policy (tiers,
// budgets, calendars, tag names, review, routes, routing rules, agents'
// schedules). Used at start and on every reload; the
// Policy it returns is immutable and shared read-only.
#pragma once

#include <memory>

#include "core/policy.h"
#include "config/config.h"

namespace tierd {

// Returns InvalidArgument naming the calendar when one cannot be built (the
// config loader validates calendars, so this means a zone vanished from the
// system's tzdata between check and use).
Result<std::shared_ptr<const Policy>> build_policy(const Config& config);

}  // namespace tierd
