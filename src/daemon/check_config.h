// check-config: the logic behind `tierd check-config --config FILE`.
//
// Loads and validates a config file without starting anything, and reports
// the outcome in a form meant for people and CI scripts. Stateless; any
// thread may call it.
#pragma once

#include <ostream>
#include <string>

namespace tierd {

// Exit codes of run_check_config.
inline constexpr int kCheckConfigOk = 0;
inline constexpr int kCheckConfigInvalid = 1;
inline constexpr int kCheckConfigUnreadable = 2;

// Validates the config at `path`. When it is valid, prints "config OK: <path>"
// and then one "warning: ..." line per warning to `out` (warnings include the
// secrets `serve` would fail to find), and returns 0. When it is invalid,
// prints one line per problem (JSON path first) to `err` and returns 1. When
// the file cannot be read, prints why to `err` and returns 2.
int run_check_config(const std::string& path, std::ostream& out, std::ostream& err);

}  // namespace tierd
