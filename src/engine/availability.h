// AvailabilityRefresher: keeps the engine's picture of who can receive
// forwarded tickets current. A thread reads, every `refresh`, the members of
// the review and route groups (HelpdeskApi::group_memberships) and the
// reviewers' and route agents' user records (HelpdeskApi::users_by_ids): an
// agent is away when their user carries the away tag or is deactivated. Each
// refresh hands a complete AvailabilitySnapshot to `on_refresh` (the engine's
// update_availability). Working-hour schedules are policy, applied by decide().
//
// When a read fails, the group or the away marks keep their last known value:
// a helpdesk hiccup must not make everybody unavailable.
//
// Replicas sharing one store (AvailabilitySharing): only the replica holding
// the singletons' lease reads the helpdesk; it stores each snapshot under
// kAvailabilitySnapshotKey, fenced by that lease, and hands it on as above.
// Every other replica reads the stored snapshot instead, every `refresh`
// too, and hands that on; it also keeps it as its last known values, so that
// a replica taking the lease over starts from them. So the account pays for
// one set of reads per refresh, not one per replica. Without sharing (one
// process), every refresh reads the helpdesk.
//
// A config reload hands the new watch list to set_options(), which refreshes
// at once, so that a route added by the reload finds its agents.
//
// Threads: start()/stop()/set_options() from the owner; on_refresh is called on the
// refresher's thread (and once on the caller's, inside start()). Nothing
// escapes the thread; failures are logged and retried at the next refresh.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/lease.h"
#include "core/status.h"
#include "core/ticket.h"
#include "core/time.h"
#include "engine/availability_snapshot.h"
#include "helpdesk/helpdesk_api.h"
#include "runtime/mutex.h"
#include "runtime/worker_thread.h"
#include "store/store.h"

namespace tierd {

struct Config;

// Where replicas share the snapshot (see above).
struct AvailabilitySharing {
  Store* store = nullptr;  // nullptr: no sharing, read the helpdesk every time
  // The singletons' fence while this replica holds their lease, else nullopt.
  std::function<std::optional<cluster::ShardFence>()> reader_fence;
  // Called when the store refused the snapshot: the lease had moved on.
  std::function<void()> on_fenced;
};

struct AvailabilityOptions {
  std::vector<GroupId> groups;  // review groups and route groups
  std::vector<UserId> users;    // reviewers and route agents
  std::optional<std::string> away_user_tag;
  Duration refresh = std::chrono::minutes(5);
};

// What a config asks to watch: review and route groups, reviewers and route agents.
AvailabilityOptions availability_options(const Config& config);

class AvailabilityRefresher {
 public:
  AvailabilityRefresher(HelpdeskApi& api, AvailabilityOptions options,
                        std::function<void(AvailabilitySnapshot)> on_refresh,
                        AvailabilitySharing sharing = {});
  ~AvailabilityRefresher();
  AvailabilityRefresher(const AvailabilityRefresher&) = delete;
  AvailabilityRefresher& operator=(const AvailabilityRefresher&) = delete;

  // Refreshes once (so the first tickets already see who is available), then
  // starts the thread. Does nothing when there is nothing to watch.
  void start();
  // Wakes and joins the thread. Idempotent.
  void stop();
  // Whether its loop runs, and how long it has been waiting or working.
  WorkerLiveness liveness() const { return worker_.liveness(); }
  // Watches `options` from now on: refreshes at once (on the refresher's
  // thread, starting it if there was nothing to watch before). Groups no
  // longer watched leave the snapshot.
  void set_options(AvailabilityOptions options) EXCLUDES(mutex_);
  // Asks the thread for a refresh now instead of at the next `refresh` (a
  // replica that just took the singletons' lease over reads the helpdesk at
  // once). Does nothing before start() or when nothing is watched.
  void refresh_soon() EXCLUDES(mutex_);
  // One refresh; delivers the snapshot. Returns OK when every read
  // succeeded, else the first failure (the snapshot is still delivered).
  // Sharing, on a replica without the singletons' lease: reads the stored
  // snapshot and delivers it; OK without delivering when none is stored yet.
  Status refresh_once();

 private:
  void run();
  Status read_helpdesk(const std::optional<cluster::ShardFence>& fence);
  Status adopt_stored();
  bool take_refresh_now() EXCLUDES(mutex_);
  AvailabilityOptions options() const EXCLUDES(mutex_);

  // Set at construction.
  HelpdeskApi& api_;
  const std::function<void(AvailabilitySnapshot)> on_refresh_;
  const AvailabilitySharing sharing_;

  // Refresher thread (or start()'s caller before the thread exists).
  AvailabilitySnapshot last_;

  mutable Mutex mutex_;
  AvailabilityOptions options_ GUARDED_BY(mutex_);
  bool refresh_now_ GUARDED_BY(mutex_) = false;

  // Last: its thread uses the members above, so it stops before they go.
  WorkerThread worker_;
};

}  // namespace tierd
