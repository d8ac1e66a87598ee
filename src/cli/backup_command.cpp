#include "cli/commands.h"

#include <ostream>

#include "config/config.h"
#include "store/sqlite/sqlite_store.h"

namespace tierd {

int run_backup(const std::string& config_path, const std::string& out_path, std::ostream& out,
               std::ostream& err) {
  auto config = load_config_file(config_path);
  if (!config.ok()) {
    err << config.status().message() << "\n";
    return 2;
  }
  if (!config->store.sqlite) {
    err << "backup: the store is PostgreSQL; back it up with pg_dump (or your PostgreSQL "
           "backups)\n";
    return 2;
  }
  Status s = backup_sqlite(config->store.sqlite->path, out_path);
  if (!s.ok()) {
    err << "backup: " << s.to_string() << "\n";
    return 1;
  }
  out << "backup: copied " << config->store.sqlite->path << " to " << out_path << "\n";
  return 0;
}

}  // namespace tierd
