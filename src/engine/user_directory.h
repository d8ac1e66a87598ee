// UserDirectory: the names of the agents tierd shows, for the status page
// and, through the store's cache (store/user_names.h), for `tierd report`.
//
// Names are read from the helpdesk (HelpdeskApi::users_by_ids: Zendesk's
// users/show_many, 100 ids a request, paced like every other request of the
// client) on the directory's own thread, and only for ids tierd has seen: the
// ids note_seen() was given (the agents on the status page) and those the
// owner's `collect` returns (assignees and the report's agents), collected
// first after options.first_collect and then every options.refresh. A name
// is read again after options.refresh (a day): names change rarely. A
// failed read is logged and tried again after options.retry; the names
// already known stay, and a user without a name is shown by id. Nothing on a
// decision's path waits for it: the engine never asks.
//
// Threads: start()/stop() from the owner; names(), note_seen(),
// last_answer() and liveness() from any thread; `collect` and the helpdesk
// reads run on the directory's thread.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/ticket.h"
#include "core/time.h"
#include "engine/helpdesk_answer.h"
#include "helpdesk/helpdesk_api.h"
#include "runtime/clock.h"
#include "runtime/mutex.h"
#include "runtime/worker_thread.h"
#include "store/store.h"
#include "store/user_names.h"

namespace tierd {

struct UserDirectoryOptions {
  Duration refresh = std::chrono::hours(24);
  Duration retry = std::chrono::minutes(10);
  // The first collect waits this long after start, out of the engine's start-up.
  Duration first_collect = std::chrono::minutes(1);
  Duration gather = std::chrono::seconds(2);  // new ids noted within this go in one request
  bool read = true;  // false (no helpdesk credentials): only the stored names, no thread
};

class UserDirectory {
 public:
  // `collect` returns ids worth a name (it may scan the store); may be empty.
  UserDirectory(Store& store, HelpdeskApi& api, const Clock& clock, UserDirectoryOptions options,
                std::function<std::vector<UserId>()> collect);
  ~UserDirectory();
  UserDirectory(const UserDirectory&) = delete;
  UserDirectory& operator=(const UserDirectory&) = delete;

  // Loads the stored cache, then starts the thread (when options.read).
  void start() EXCLUDES(mutex_);
  void stop();

  // The names known now, by user id.
  std::map<UserId, std::string> names() const EXCLUDES(mutex_);
  // Asks for the names of `ids` (ids <= 0, system actors, are left out).
  void note_seen(const std::vector<UserId>& ids) EXCLUDES(mutex_);
  // The helpdesk's answer to the latest read; nullopt before the first.
  std::optional<HelpdeskAnswer> last_answer() const EXCLUDES(mutex_);
  WorkerLiveness liveness() const { return worker_.liveness(); }

  // Reads the names that are due now and stores them. Returns the read's
  // failure, if any (the names read before it are kept).
  Status read_due() EXCLUDES(mutex_);

 private:
  void run();
  std::vector<UserId> due_ids(Instant now) const REQUIRES(mutex_);
  Instant next_due() const REQUIRES(mutex_);

  // Set at construction.
  Store& store_;
  HelpdeskApi& api_;
  const Clock& clock_;
  const UserDirectoryOptions options_;
  const std::function<std::vector<UserId>()> collect_;

  mutable Mutex mutex_;
  UserNameCache cache_ GUARDED_BY(mutex_);
  std::set<UserId> wanted_ GUARDED_BY(mutex_);  // every id seen
  std::optional<Instant> failed_at_ GUARDED_BY(mutex_);
  std::optional<HelpdeskAnswer> last_answer_ GUARDED_BY(mutex_);

  // Last: its thread uses the members above, so it stops before they go.
  WorkerThread worker_;
};

}  // namespace tierd
