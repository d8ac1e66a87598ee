#include "cli/store_factory.h"

#include "store/sqlite/sqlite_store.h"
#ifdef TIERD_HAVE_POSTGRES
#include "store/postgres/postgres_store.h"
#endif

namespace tierd {

Result<std::unique_ptr<Store>> open_store(const Config& config, const Secrets& secrets,
                                          StoreAccess access) {
  if (config.store.sqlite) {
    SqliteOptions options;
    options.path = config.store.sqlite->path;
    options.synchronous_full = config.store.sqlite->synchronous == SqliteSynchronous::kFull;
    options.access = access;
    return open_sqlite_store(options);
  }
#ifdef TIERD_HAVE_POSTGRES
  if (config.store.postgres) return open_postgres_store(secrets.postgres_url, access);
#else
  (void)secrets;
#endif
  return Status::InvalidArgument("store: this build supports only store.sqlite");
}

std::unique_ptr<Store> open_store_for_tool(const Config& config, const std::string& command,
                                           std::ostream& err) {
  auto secrets = load_store_secrets(config);
  if (!secrets.ok()) {
    err << command << ": cannot open the store: " << secrets.status().message() << "\n";
    return nullptr;
  }
  auto store = open_store(config, *secrets, StoreAccess::kReadOnly);
  if (!store.ok()) {
    err << command << ": cannot open the store: " << store.status().message() << "\n";
    if (store.status().code() == StatusCode::kNotFound) {
      err << command
          << ": it is created by `tierd serve`; is --config (or TIERD_CONFIG) the "
             "config the daemon runs with?\n";
    }
    return nullptr;
  }
  return std::move(store).value();
}

}  // namespace tierd
