// Running one end-to-end scenario against every helpdesk tierd supports.
#pragma once

#include <catch2/catch.hpp>

#include "support/live_stack.h"

namespace tierd::testing {

// Both vendors, each as its own run of the calling test case (a Catch
// GENERATE: call it once, at the top of the test case).
inline Vendor any_vendor() {
  Vendor vendor = GENERATE(Vendor::kZendesk, Vendor::kFreshdesk);
  UNSCOPED_INFO("helpdesk " << vendor_name(vendor));
  return vendor;
}

// freshdesk-sim's automation rule fires on status, priority, group and agent
// changes, not on a change of tags alone (how Freshdesk renders one is
// unconfirmed), so on Freshdesk an agent's tag reaches tierd through the
// reconciler: this runs it every second (tierd still paces its listing
// requests: one per 3.75 s on the Growth plan at the default rate_share).
// Zendesk's webhooks carry tag changes.
inline void hear_tag_only_changes(LiveStackOptions& options) {
  if (options.vendor != Vendor::kFreshdesk) return;
  options.extra_config["reconcile"] = {{"enabled", true}, {"interval", "1s"}};
}

}  // namespace tierd::testing
