// build_policy(): turns a validated Config into the core's Policy. The
// config already holds the policy's own types (tiers, tag names, review,
// routes, routing rules); what is left here is building the calendars,
// resolving the names that refer to them, and the config-wide values (shadow
// mode, the API user). Used at start and on every reload; the Policy it
// returns is immutable and shared read-only.
#pragma once

#include <memory>

#include "config/config.h"
#include "core/policy.h"

namespace tierd {

// Returns InvalidArgument naming the calendar when one cannot be built (the
// config loader validates calendars, so this means a zone vanished from the
// system's tzdata between check and use) or a name refers to no calendar (a
// Config that did not come from the loader).
Result<std::shared_ptr<const Policy>> build_policy(const Config& config);

}  // namespace tierd
