#include "store/postgres/postgres_lease_store.h"

#include <spdlog/spdlog.h>

#include <pqxx/pqxx>

#include <algorithm>

#include "store/postgres/postgres_connection.h"

namespace tierd {
namespace {

using cluster::LeaseTable;
using cluster::LeaseToken;
using cluster::RenewOutcome;
using cluster::ShardLease;

#define TIERD_EPOCH_MS(column) "floor(extract(epoch FROM " column ") * 1000)::bigint"
#define TIERD_NOW_PLUS_MS(param) "now() + " param "::bigint * interval '1 millisecond'"

// Every time is the server's now(): the transaction's start, so a statement
// that waited for a lock grants a lease that ends a little early, never late.
const std::pair<const char*, const char*> kLeaseStatements[] = {
    {"heartbeat",
     "INSERT INTO replicas (id, first_seen_at, heartbeat_at) VALUES ($1, now(), now()) "
     "ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()"},
    {"live_replicas",
     "SELECT id FROM replicas WHERE heartbeat_at >= now() - $1::bigint * interval '1 millisecond'"},
    {"lease_time", "SELECT " TIERD_EPOCH_MS("now()")},
    {"replicas", "SELECT id, " TIERD_EPOCH_MS("heartbeat_at") " FROM replicas"},
    {"forget_replicas",
     "DELETE FROM replicas WHERE heartbeat_at < now() - $1::bigint * interval '1 millisecond'"},
    {"leases", "SELECT shard, COALESCE(owner, ''), token, " TIERD_EPOCH_MS(
                   "expires_at") " FROM shard_leases ORDER BY shard"},
    // The token of a taken-over row is drawn in the UPDATE, under the row
    // lock, so it is greater than that of any tenure before it even when two
    // acquisitions raced; the VALUES one serves only a shard's first row.
    {"try_acquire",
     "INSERT INTO shard_leases AS l (shard, owner, token, expires_at) "
     "VALUES ($1, $2, nextval('shard_lease_tokens'), " TIERD_NOW_PLUS_MS(
         "$3") ") "
               "ON CONFLICT (shard) DO UPDATE SET owner = excluded.owner, "
               "token = nextval('shard_lease_tokens'), expires_at = excluded.expires_at "
               "WHERE l.owner IS NULL OR l.expires_at <= now() OR l.owner = excluded.owner "
               "RETURNING token"},
    {"renew", "UPDATE shard_leases SET expires_at = " TIERD_NOW_PLUS_MS(
                  "$4") " WHERE shard = $1 AND owner = $2 AND token = $3"},
    {"release",
     "UPDATE shard_leases SET owner = NULL, expires_at = now() "
     "WHERE shard = $1 AND owner = $2 AND token = $3"},
};

#undef TIERD_EPOCH_MS
#undef TIERD_NOW_PLUS_MS

Status check_lease_args(int shard, const std::string& replica) {
  if (shard < 0 && shard != cluster::kSingletonLease) {
    return Status::InvalidArgument("lease: shard " + std::to_string(shard) + " < 0");
  }
  if (replica.empty()) return Status::InvalidArgument("lease: the replica id is empty");
  return Status::Ok();
}

Status check_ttl(Duration ttl) {
  if (ttl < Duration(1)) {
    return Status::InvalidArgument("lease: ttl " + std::to_string(ttl.count()) + "ms < 1ms");
  }
  return Status::Ok();
}

class PostgresLeaseStore final : public cluster::LeaseStore {
 public:
  PostgresLeaseStore(std::string url, std::unique_ptr<pqxx::connection> conn)
      : db_(std::move(url), StoreAccess::kReadWrite, kLeaseStatements, std::move(conn)) {}

  Status heartbeat(const std::string& replica) override {
    if (replica.empty()) return Status::InvalidArgument("lease: the replica id is empty");
    return db_.in_txn("heartbeat", [&](pqxx::work& txn) {
      txn.exec_prepared0("heartbeat", replica);
      return Status::Ok();
    });
  }

  Result<std::vector<std::string>> live_replicas(Duration max_silence) override {
    auto ids = db_.query<std::vector<std::string>>("live_replicas", [&](pqxx::work& txn) {
      std::vector<std::string> out;
      for (const auto& row : txn.exec_prepared("live_replicas", max_silence.count())) {
        out.emplace_back(row[0].c_str(), row[0].size());
      }
      return out;
    });
    // Byte order here, not the database's collation: every replica sorts alike.
    if (ids.ok()) std::sort(ids->begin(), ids->end());
    return ids;
  }

  Result<LeaseTable> leases() override {
    return db_.query<LeaseTable>("leases", [&](pqxx::work& txn) {
      LeaseTable table;
      table.now = from_unix_ms(txn.exec_prepared1("lease_time")[0].as<int64_t>());
      for (const auto& row : txn.exec_prepared("leases")) {
        table.leases.push_back(
            ShardLease{row[0].as<int>(), std::string(row[1].c_str(), row[1].size()),
                       row[2].as<int64_t>(), from_unix_ms(row[3].as<int64_t>())});
      }
      return table;
    });
  }

  Result<cluster::ReplicaTable> replicas() override {
    auto table = db_.query<cluster::ReplicaTable>("replicas", [&](pqxx::work& txn) {
      cluster::ReplicaTable out;
      out.now = from_unix_ms(txn.exec_prepared1("lease_time")[0].as<int64_t>());
      for (const auto& row : txn.exec_prepared("replicas")) {
        out.replicas.push_back(
            {std::string(row[0].c_str(), row[0].size()), from_unix_ms(row[1].as<int64_t>())});
      }
      return out;
    });
    // Byte order, as live_replicas().
    if (table.ok()) {
      std::sort(table->replicas.begin(), table->replicas.end(),
                [](const auto& x, const auto& y) { return x.id < y.id; });
    }
    return table;
  }

  Result<int64_t> forget_replicas(Duration silent_for) override {
    if (silent_for <= Duration(0)) {
      return Status::InvalidArgument("replicas: the silence to forget after must be positive");
    }
    return db_.query<int64_t>("forget_replicas", [&](pqxx::work& txn) {
      return static_cast<int64_t>(
          txn.exec_prepared0("forget_replicas", silent_for.count()).affected_rows());
    });
  }

  Result<std::optional<LeaseToken>> try_acquire(int shard, const std::string& replica,
                                                Duration ttl) override {
    if (Status s = check_lease_args(shard, replica); !s.ok()) return s;
    if (Status s = check_ttl(ttl); !s.ok()) return s;
    auto token = db_.query<std::optional<LeaseToken>>("try_acquire", [&](pqxx::work& txn) {
      pqxx::result r = txn.exec_prepared("try_acquire", shard, replica, ttl.count());
      if (r.empty()) return std::optional<LeaseToken>();
      return std::optional<LeaseToken>(r[0][0].as<int64_t>());
    });
    if (token.ok() && *token) {
      spdlog::info("event=lease_acquired shard={} replica={} token={}", shard, replica, **token);
    }
    return token;
  }

  Result<RenewOutcome> renew(int shard, const std::string& replica, LeaseToken token,
                             Duration ttl) override {
    if (Status s = check_lease_args(shard, replica); !s.ok()) return s;
    if (Status s = check_ttl(ttl); !s.ok()) return s;
    return db_.query<RenewOutcome>("renew", [&](pqxx::work& txn) {
      auto renewed = txn.exec_prepared("renew", shard, replica, token, ttl.count()).affected_rows();
      return renewed == 1 ? RenewOutcome::kRenewed : RenewOutcome::kLost;
    });
  }

  Status release(int shard, const std::string& replica, LeaseToken token) override {
    if (Status s = check_lease_args(shard, replica); !s.ok()) return s;
    size_t released = 0;
    Status s = db_.in_txn("release", [&](pqxx::work& txn) {
      released = txn.exec_prepared("release", shard, replica, token).affected_rows();
      return Status::Ok();
    });
    if (s.ok() && released == 1) {
      spdlog::info("event=lease_released shard={} replica={} token={}", shard, replica, token);
    }
    return s;
  }

 private:
  postgres::SharedConnection db_;
};

}  // namespace

Result<std::unique_ptr<cluster::LeaseStore>> open_postgres_lease_store(
    const std::string& connection_url) {
  auto conn = postgres::open_connection(connection_url, StoreAccess::kReadWrite, kLeaseStatements);
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<cluster::LeaseStore>(
      std::make_unique<PostgresLeaseStore>(connection_url, std::move(conn).value()));
}

}  // namespace tierd
