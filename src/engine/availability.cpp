#include "engine/availability.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "config/config.h"
#include "store/fenced_meta.h"

namespace tierd {
namespace {

template <typename T>
void add_unique(std::vector<T>& v, T x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

}  // namespace

AvailabilityOptions availability_options(const Config& config) {
  AvailabilityOptions o;
  if (config.review) {
    for (GroupId g : config.review->groups) add_unique(o.groups, g);
    for (UserId u : config.review->reviewers) add_unique(o.users, u);
  }
  for (const auto& route : config.routes) {
    add_unique(o.groups, route.group);
    for (UserId u : route.agents) add_unique(o.users, u);
  }
  o.away_user_tag = config.availability.away_user_tag;
  o.refresh = config.availability.refresh;
  return o;
}

AvailabilityRefresher::AvailabilityRefresher(HelpdeskApi& api, AvailabilityOptions options,
                                             std::function<void(AvailabilitySnapshot)> on_refresh,
                                             AvailabilitySharing sharing)
    : api_(api),
      on_refresh_(std::move(on_refresh)),
      sharing_(std::move(sharing)),
      options_(std::move(options)),
      worker_("availability") {}

AvailabilityOptions AvailabilityRefresher::options() const {
  MutexLock lock(mutex_);
  return options_;
}

void AvailabilityRefresher::set_options(AvailabilityOptions options) {
  bool watching = false;
  {
    MutexLock lock(mutex_);
    options_ = std::move(options);
    refresh_now_ = true;
    watching = !options_.groups.empty();
  }
  // set_options() and stop() come from the same owner, so stopping() and
  // started() cannot change under this check.
  if (watching && !worker_.started() && !worker_.stopping()) {
    worker_.start([this] { run(); });
  } else {
    worker_.wake();
  }
}

void AvailabilityRefresher::refresh_soon() {
  {
    MutexLock lock(mutex_);
    refresh_now_ = true;
  }
  worker_.wake();
}

AvailabilityRefresher::~AvailabilityRefresher() {
  stop();
}

void AvailabilityRefresher::start() {
  if (options().groups.empty() || worker_.started()) return;
  // A failed first read is logged inside; the thread tries again later.
  (void)refresh_once();
  worker_.start([this] { run(); });
}

void AvailabilityRefresher::stop() {
  worker_.stop();
}

bool AvailabilityRefresher::take_refresh_now() {
  MutexLock lock(mutex_);
  return std::exchange(refresh_now_, false);
}

void AvailabilityRefresher::run() {
  const Clock& elapsed = worker_.clock();
  while (true) {
    // Until the next refresh is due, or set_options() asks for one now.
    const Instant due = elapsed.now() + options().refresh;
    while (!take_refresh_now() && elapsed.now() < due) {
      if (!worker_.wait_until(due)) return;
    }
    try {
      (void)refresh_once();  // failures are logged inside
    } catch (const std::exception& e) {
      spdlog::error("availability: refresh failed: {}", e.what());
    }
  }
}

Status AvailabilityRefresher::refresh_once() {
  if (sharing_.store == nullptr) return read_helpdesk(std::nullopt);
  std::optional<cluster::ShardFence> fence =
      sharing_.reader_fence ? sharing_.reader_fence() : std::nullopt;
  if (!fence) return adopt_stored();
  return read_helpdesk(fence);
}

Status AvailabilityRefresher::adopt_stored() {
  auto stored = sharing_.store->get_meta(kAvailabilitySnapshotKey);
  if (!stored.ok()) {
    spdlog::warn("availability: the shared snapshot not read, keeping the last known: {}",
                 stored.status().to_string());
    return stored.status();
  }
  if (!stored->has_value()) {
    spdlog::debug("availability: no shared snapshot stored yet");
    return Status::Ok();
  }
  auto snapshot = parse_availability_snapshot(**stored);
  if (!snapshot.ok()) {
    spdlog::warn("availability: the shared snapshot is unreadable, keeping the last known: {}",
                 snapshot.status().message());
    return snapshot.status();
  }
  last_ = *snapshot;
  if (on_refresh_) on_refresh_(std::move(snapshot).value());
  return Status::Ok();
}

Status AvailabilityRefresher::read_helpdesk(const std::optional<cluster::ShardFence>& fence) {
  const AvailabilityOptions watch = options();
  Status first_failure = Status::Ok();
  AvailabilitySnapshot next = last_;
  std::erase_if(next.members, [&](const auto& entry) {
    return std::find(watch.groups.begin(), watch.groups.end(), entry.first) == watch.groups.end();
  });
  for (GroupId group : watch.groups) {
    auto members = api_.group_memberships(group);
    if (!members.ok()) {
      spdlog::warn("availability: group={} members not read, keeping the last known: {}", group,
                   members.status().to_string());
      if (first_failure.ok()) first_failure = members.status();
      continue;
    }
    std::set<UserId>& set = next.members[group];
    set.clear();
    for (const auto& m : *members) set.insert(m.user_id);
  }
  if (!watch.users.empty()) {
    auto users = api_.users_by_ids(watch.users);
    if (!users.ok()) {
      spdlog::warn("availability: users not read, keeping the last away marks: {}",
                   users.status().to_string());
      if (first_failure.ok()) first_failure = users.status();
    } else {
      next.away.clear();
      for (const auto& u : *users) {
        bool tagged = watch.away_user_tag &&
                      std::binary_search(u.tags.begin(), u.tags.end(), *watch.away_user_tag);
        if (tagged || !u.active) next.away.insert(u.id);
      }
    }
  }
  size_t member_count = 0;
  for (const auto& [group, set] : next.members) member_count += set.size();
  spdlog::debug("availability: groups={} members={} away={}", next.members.size(), member_count,
                next.away.size());
  last_ = next;
  if (sharing_.store != nullptr) {
    // Refused (kFenced) when the lease moved on meanwhile: the new holder's
    // snapshot stays, and this replica reads it from the next refresh on.
    Status stored = put_meta_fenced(*sharing_.store, kAvailabilitySnapshotKey,
                                    availability_snapshot_json(next), fence);
    if (stored.code() == StatusCode::kFenced && sharing_.on_fenced) sharing_.on_fenced();
    if (!stored.ok()) {
      spdlog::warn("availability: the snapshot not shared with the other replicas: {}",
                   stored.to_string());
      if (first_failure.ok()) first_failure = stored;
    }
  }
  if (on_refresh_) on_refresh_(std::move(next));
  return first_failure;
}

}  // namespace tierd
