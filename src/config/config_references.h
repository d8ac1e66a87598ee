// The helpdesk records a Config names: every group and user id, each with
// the config path it stands at ("tiers[1].groups[0]", "routes[0].agents[2]"),
// in file order. What `tierd setup` looks up in the account, whichever
// helpdesk it is, so that a missing record is reported where the admin
// wrote it.
//
// Pure; any thread.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace tierd {

struct ConfigReference {
  enum class Kind { kGroup, kUser };
  Kind kind = Kind::kGroup;
  std::string path;
  int64_t id = 0;
};

std::vector<ConfigReference> config_references(const Config& config);

}  // namespace tierd
