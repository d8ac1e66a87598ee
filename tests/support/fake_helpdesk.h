// FakeHelpdesk: a HelpdeskApi in memory, for in-process tests of the threads
// that talk to the helpdesk (the engine and the outbox sender, the
// reconciler, the availability refresher).
//
// It keeps tickets and their comments and answers like a helpdesk: an update
// applies (group, assignee, whole tag list, followers, an internal note that
// becomes a comment) and stamps updated_at with the clock's time; a safe
// update whose stamp is not the ticket's updated_at is refused with 409; an
// unknown ticket is 404. A bulk update_many job applies at once and reports
// per ticket. A test can script the next answers of a call (see Scripted):
// a 409 after someone else's change, 429 with Retry-After, 5xx, a timeout
// that did or did not apply, a refusal for good. Every call is recorded, and
// wait_for_calls() waits for them with a bound.
//
// Thread-safe: the code under test calls it from its threads while the test
// scripts and inspects it.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "helpdesk/helpdesk_api.h"
#include "runtime/clock.h"
#include "runtime/mutex.h"

namespace tierd::testing {

// One call the code under test made.
struct HelpdeskCall {
  std::string method;  // "update_ticket", "get_ticket", "has_comment_containing", ...
  TicketId ticket_id = 0;
  std::optional<TicketUpdate> update;  // update_ticket
  std::string marker;                  // has_comment_containing
  std::vector<TicketId> ids;           // tickets_by_ids
  Instant at{};                        // the clock's time of the call
};

// A scripted answer for one call.
struct Scripted {
  Status status;                          // the answer; OK answers normally
  bool applies = false;                   // a failed update lands all the same (a late timeout)
  std::optional<TicketSnapshot> changed;  // someone else's change, stored before answering

  static Scripted conflict(TicketSnapshot changed_by_agent);
  static Scripted rate_limited(Duration retry_after);
  static Scripted server_error();
  static Scripted timeout(bool applied);
  static Scripted refused();  // 422: the request itself is wrong
};

class FakeHelpdesk final : public HelpdeskApi {
 public:
  explicit FakeHelpdesk(const Clock& clock) : clock_(clock) {}

  void put_ticket(const TicketSnapshot& ticket) EXCLUDES(mutex_);
  std::optional<TicketSnapshot> ticket(TicketId id) const EXCLUDES(mutex_);
  std::vector<std::string> comments(TicketId id) const EXCLUDES(mutex_);
  void put_group_members(GroupId group, std::vector<UserId> users) EXCLUDES(mutex_);

  // The next call of `method` answers `answer` (queued in order).
  void script(const std::string& method, Scripted answer) EXCLUDES(mutex_);

  std::vector<HelpdeskCall> calls() const EXCLUDES(mutex_);
  std::vector<HelpdeskCall> calls(std::string_view method) const EXCLUDES(mutex_);
  // Until `method` has been called `n` times in all; false after `bound`.
  bool wait_for_calls(std::string_view method, size_t n,
                      std::chrono::milliseconds bound = std::chrono::seconds(5)) const
      EXCLUDES(mutex_);

  Result<TicketSnapshot> get_ticket(TicketId id) override EXCLUDES(mutex_);
  Result<TicketSnapshot> update_ticket(const TicketUpdate& update) override EXCLUDES(mutex_);
  Result<std::string> update_many(const std::vector<TicketUpdate>& updates) override
      EXCLUDES(mutex_);
  Result<JobStatus> job_status(const std::string& job_id) override EXCLUDES(mutex_);
  size_t tickets_per_request() const override { return 100; }
  Result<std::vector<TicketSnapshot>> tickets_by_ids(const std::vector<TicketId>& ids) override
      EXCLUDES(mutex_);
  Result<bool> has_comment_containing(TicketId id, const std::string& marker) override
      EXCLUDES(mutex_);
  Result<ExportPage> export_tickets(const std::string& cursor, Instant start_time) override
      EXCLUDES(mutex_);
  Result<std::vector<GroupMember>> group_memberships(GroupId group) override EXCLUDES(mutex_);
  Result<UserInfo> current_user() override EXCLUDES(mutex_);
  Result<std::vector<UserInfo>> users_by_ids(const std::vector<UserId>& ids) override
      EXCLUDES(mutex_);

  static constexpr UserId kApiUserId = 999;

 private:
  // Records the call and takes its scripted answer, if any.
  std::optional<Scripted> record(HelpdeskCall call) REQUIRES(mutex_);
  Result<TicketSnapshot> apply(const TicketUpdate& update) REQUIRES(mutex_);
  size_t count_locked(std::string_view method) const REQUIRES(mutex_);

  const Clock& clock_;
  mutable Mutex mutex_;
  mutable CondVar called_;
  std::map<TicketId, TicketSnapshot> tickets_ GUARDED_BY(mutex_);
  std::map<TicketId, std::vector<std::string>> comments_ GUARDED_BY(mutex_);
  std::map<GroupId, std::vector<UserId>> members_ GUARDED_BY(mutex_);
  std::map<std::string, std::deque<Scripted>, std::less<>> scripts_ GUARDED_BY(mutex_);
  std::map<std::string, JobStatus> jobs_ GUARDED_BY(mutex_);
  std::vector<HelpdeskCall> calls_ GUARDED_BY(mutex_);
};

}  // namespace tierd::testing
