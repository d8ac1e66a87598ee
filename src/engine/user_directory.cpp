#include "engine/user_directory.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace tierd {

UserDirectory::UserDirectory(Store& store, HelpdeskApi& api, const Clock& clock,
                             UserDirectoryOptions options,
                             std::function<std::vector<UserId>()> collect)
    : store_(store),
      api_(api),
      clock_(clock),
      options_(options),
      collect_(std::move(collect)),
      worker_("users", clock) {}

UserDirectory::~UserDirectory() {
  stop();
}

void UserDirectory::start() {
  auto stored = read_user_names(store_);
  if (stored.ok()) {
    MutexLock lock(mutex_);
    cache_ = std::move(*stored);
    // Names known from an earlier run stay fresh.
    for (const auto& entry : cache_) wanted_.insert(entry.first);
  } else {
    spdlog::warn("users: the cached names cannot be read: {}", stored.status().to_string());
  }
  if (options_.read) worker_.start([this] { run(); });
}

void UserDirectory::stop() {
  worker_.stop();
}

std::map<UserId, std::string> UserDirectory::names() const {
  MutexLock lock(mutex_);
  return names_of(cache_);
}

void UserDirectory::note_seen(const std::vector<UserId>& ids) {
  bool new_id = false;
  {
    MutexLock lock(mutex_);
    for (UserId id : ids) {
      if (id > 0 && wanted_.insert(id).second && cache_.count(id) == 0) new_id = true;
    }
  }
  if (new_id) worker_.wake();
}

std::optional<HelpdeskAnswer> UserDirectory::last_answer() const {
  MutexLock lock(mutex_);
  return last_answer_;
}

std::vector<UserId> UserDirectory::due_ids(Instant now) const {
  std::vector<UserId> ids;
  if (failed_at_ && now < *failed_at_ + options_.retry) return ids;
  for (UserId id : wanted_) {
    auto it = cache_.find(id);
    if (it == cache_.end() || it->second.read_at + options_.refresh <= now) ids.push_back(id);
  }
  return ids;
}

Instant UserDirectory::next_due() const {
  Instant next = Instant::max();
  for (UserId id : wanted_) {
    auto it = cache_.find(id);
    next =
        std::min(next, it == cache_.end() ? Instant::min() : it->second.read_at + options_.refresh);
  }
  if (failed_at_) next = std::max(next, *failed_at_ + options_.retry);
  return next;
}

Status UserDirectory::read_due() {
  std::vector<UserId> ids;
  {
    MutexLock lock(mutex_);
    ids = due_ids(clock_.now());
  }
  if (ids.empty()) return Status::Ok();
  auto users = api_.users_by_ids(ids);
  const Instant now = clock_.now();
  UserNameCache snapshot;
  {
    MutexLock lock(mutex_);
    last_answer_ = HelpdeskAnswer::of(now, users.status());
    if (!users.ok()) {
      failed_at_ = now;
    } else {
      failed_at_.reset();
      // An id the helpdesk did not return is remembered as nameless, so it
      // is not asked for again before the next refresh.
      for (UserId id : ids) cache_[id] = CachedUser{"", "", now};
      for (const auto& user : *users) cache_[user.id] = CachedUser{user.name, user.role, now};
      snapshot = cache_;
    }
  }
  if (!users.ok()) {
    spdlog::warn("users: reading {} names failed: {}; they show as ids until a read works",
                 ids.size(), users.status().to_string());
    return users.status();
  }
  spdlog::info("users: read the names of {} users", ids.size());
  if (Status s = write_user_names(store_, snapshot); !s.ok()) {
    spdlog::warn("users: the names read could not be stored: {}", s.to_string());
  }
  return Status::Ok();
}

void UserDirectory::run() {
  Instant next_collect = clock_.now() + options_.first_collect;
  while (!worker_.stopping()) {
    if (clock_.now() >= next_collect) {
      if (collect_) note_seen(collect_());
      next_collect = clock_.now() + options_.refresh;
    }
    (void)read_due();
    Instant wake_at = next_collect;
    {
      MutexLock lock(mutex_);
      wake_at = std::min(wake_at, next_due());
    }
    if (!worker_.wait_until(wake_at)) return;
    // Ids noted one after another (a page listing several agents) go in one request.
    if (!worker_.sleep_for(options_.gather)) return;
  }
}

}  // namespace tierd
