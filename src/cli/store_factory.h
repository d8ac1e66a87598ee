// open_store(): the Store the config names — SQLite (the embedded default) or
// PostgreSQL (for several replicas).
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "config/config.h"
#include "store/store.h"

namespace tierd {

// Returns the store's own error (kUnavailable / kInternal) when it cannot be
// opened, or InvalidArgument when PostgreSQL is configured but this build
// has no PostgreSQL support. Read-only, see StoreAccess (store/store.h).
Result<std::unique_ptr<Store>> open_store(const Config& config, const Secrets& secrets,
                                          StoreAccess access = StoreAccess::kReadWrite);

// For the command-line tools (explain, report, export-events): opens the
// config's existing store read-only, reading secrets only when the store
// needs one (the tools need no Zendesk credentials). Returns null after
// printing "<command>: cannot open the store: ..." to `err`.
std::unique_ptr<Store> open_store_for_tool(const Config& config, const std::string& command,
                                           std::ostream& err);

}  // namespace tierd
