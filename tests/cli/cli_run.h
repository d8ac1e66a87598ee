// Runs the built tierd as an admin's shell would, with stdout and stderr kept
// apart, so tests can check which stream a message goes to.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "support/process_harness.h"

namespace tierd::testing {

struct CliRun {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs `tierd ARGS...` with `env` added to an environment from which
// TIERD_CONFIG is removed (so the caller's shell cannot change the outcome);
// `name` names its output files in `dir`. Waits at most 30 s.
CliRun run_cli(const std::vector<std::string>& args, const TempDir& dir, const std::string& name,
               const std::map<std::string, std::string>& env = {});

}  // namespace tierd::testing
