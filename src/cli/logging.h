// Logging set-up: spdlog to stderr, as text ("2026-11-25T10:00:00.123Z info
// ticket=42 action=escalate ...") or as one JSON object per line
// ({"ts":"...","level":"info","msg":"ticket=42 action=escalate ..."}), at the
// configured level. Call once at start and again on reload.
#pragma once

#include "config/config.h"

namespace tierd {

void setup_logging(const LogConfig& config);

}  // namespace tierd
