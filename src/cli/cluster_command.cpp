#include "cli/commands.h"

#include <ostream>

#include "cli/cluster_status.h"
#include "config/config.h"
#ifdef TIERD_HAVE_POSTGRES
#include "store/postgres/postgres_lease_store.h"
#endif

namespace tierd {

int run_cluster_status(const std::string& config_path, std::ostream& out, std::ostream& err) {
  auto config = load_config_file(config_path);
  if (!config.ok()) {
    err << config.status().message() << "\n";
    return 2;
  }
  if (!config->store.postgres) {
    err << "cluster status: clustering needs a PostgreSQL store (store.postgres) shared by the "
           "replicas; "
        << config_path << " has a SQLite store, which serves one process\n";
    return 2;
  }
  if (!config->cluster) {
    err << "cluster status: " << config_path
        << " has no \"cluster\" section, so its replicas lease no shards\n";
    return 2;
  }
#ifdef TIERD_HAVE_POSTGRES
  auto secrets = load_secrets(*config);
  if (!secrets.ok()) {
    err << "cluster status: " << secrets.status().message() << "\n";
    return 2;
  }
  auto store = open_postgres_lease_store(secrets->postgres_url);
  if (!store.ok()) {
    err << "cluster status: cannot open the lease store: " << store.status().message() << "\n";
    return 1;
  }
  auto replicas = (*store)->replicas();
  auto leases = replicas.ok() ? (*store)->leases() : Result<cluster::LeaseTable>(replicas.status());
  if (!leases.ok()) {
    err << "cluster status: cannot read the lease store: " << leases.status().message() << "\n";
    return 1;
  }
  out << format_cluster_status(*replicas, *leases, config->cluster->shards,
                               config->cluster->lease_ttl);
  return 0;
#else
  (void)out;
  err << "cluster status: this build has no PostgreSQL support\n";
  return 2;
#endif
}

}  // namespace tierd
