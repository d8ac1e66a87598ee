// open_store(): the Store the config names — SQLite (the embedded default) or
// PostgreSQL (for several replicas).
#pragma once

#include <memory>

#include "daemon/config.h"
#include "store/store.h"

namespace tierd {

// Returns the store's own error (kUnavailable / kInternal) when it cannot be
// opened, or InvalidArgument when PostgreSQL is configured but this build
// has no PostgreSQL support.
Result<std::unique_ptr<Store>> open_store(const Config& config, const Secrets& secrets);

}  // namespace tierd
