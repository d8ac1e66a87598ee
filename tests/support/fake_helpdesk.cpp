#include "support/fake_helpdesk.h"

#include <algorithm>
#include <utility>

namespace tierd::testing {

Scripted Scripted::conflict(TicketSnapshot changed_by_agent) {
  Scripted s;
  s.status = Status::Conflict("UpdateConflict");
  s.changed = std::move(changed_by_agent);
  return s;
}

Scripted Scripted::rate_limited(Duration retry_after) {
  Scripted s;
  s.status = Status(StatusCode::kResourceExhausted, "TooManyRequests");
  s.status.set_retry_after(retry_after);
  return s;
}

Scripted Scripted::server_error() {
  Scripted s;
  s.status = Status::Unavailable("HTTP 503");
  return s;
}

Scripted Scripted::timeout(bool applied) {
  Scripted s;
  s.status = Status(StatusCode::kDeadlineExceeded, "no answer in time");
  s.applies = applied;
  return s;
}

Scripted Scripted::refused() {
  Scripted s;
  s.status = Status::InvalidArgument("HTTP 422 RecordInvalid");
  return s;
}

void FakeHelpdesk::put_ticket(const TicketSnapshot& ticket) {
  MutexLock lock(mutex_);
  tickets_[ticket.id] = ticket;
}

std::optional<TicketSnapshot> FakeHelpdesk::ticket(TicketId id) const {
  MutexLock lock(mutex_);
  auto it = tickets_.find(id);
  if (it == tickets_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> FakeHelpdesk::comments(TicketId id) const {
  MutexLock lock(mutex_);
  auto it = comments_.find(id);
  return it == comments_.end() ? std::vector<std::string>{} : it->second;
}

void FakeHelpdesk::put_group_members(GroupId group, std::vector<UserId> users) {
  MutexLock lock(mutex_);
  members_[group] = std::move(users);
}

void FakeHelpdesk::script(const std::string& method, Scripted answer) {
  MutexLock lock(mutex_);
  scripts_[method].push_back(std::move(answer));
}

std::vector<HelpdeskCall> FakeHelpdesk::calls() const {
  MutexLock lock(mutex_);
  return calls_;
}

std::vector<HelpdeskCall> FakeHelpdesk::calls(std::string_view method) const {
  MutexLock lock(mutex_);
  std::vector<HelpdeskCall> out;
  for (const auto& c : calls_) {
    if (c.method == method) out.push_back(c);
  }
  return out;
}

bool FakeHelpdesk::wait_for_calls(std::string_view method, size_t n,
                                  std::chrono::milliseconds bound) const {
  const auto until = std::chrono::steady_clock::now() + bound;
  MutexLock lock(mutex_);
  while (count_locked(method) < n) {
    if (called_.wait_until(lock, until) == std::cv_status::timeout) {
      return count_locked(method) >= n;
    }
  }
  return true;
}

size_t FakeHelpdesk::count_locked(std::string_view method) const {
  size_t n = 0;
  for (const auto& c : calls_) n += c.method == method ? 1 : 0;
  return n;
}

std::optional<Scripted> FakeHelpdesk::record(HelpdeskCall call) {
  call.at = clock_.now();
  std::optional<Scripted> answer;
  auto it = scripts_.find(call.method);
  if (it != scripts_.end() && !it->second.empty()) {
    answer = std::move(it->second.front());
    it->second.pop_front();
    if (answer->changed) tickets_[answer->changed->id] = *answer->changed;
  }
  calls_.push_back(std::move(call));
  called_.notify_all();
  return answer;
}

Result<TicketSnapshot> FakeHelpdesk::apply(const TicketUpdate& update) {
  auto it = tickets_.find(update.ticket_id);
  if (it == tickets_.end()) return Status::NotFound("RecordNotFound");
  TicketSnapshot& t = it->second;
  if (update.updated_stamp && t.updated_at != update.updated_stamp) {
    return Status::Conflict("UpdateConflict: the ticket changed since the stamp");
  }
  if (update.group_id) t.group_id = update.group_id;
  if (update.set_assignee) t.assignee_id = update.assignee_id;
  if (update.tags) t.tags = normalize_tags(*update.tags);
  for (int64_t field : update.clear_custom_fields) set_custom_field(t, {field, ""});
  if (update.internal_note) comments_[t.id].push_back(*update.internal_note);
  t.updated_at = clock_.now();
  return t;
}

Result<TicketSnapshot> FakeHelpdesk::get_ticket(TicketId id) {
  MutexLock lock(mutex_);
  auto answer = record({"get_ticket", id});
  if (answer && !answer->status.ok()) return answer->status;
  auto it = tickets_.find(id);
  if (it == tickets_.end()) return Status::NotFound("RecordNotFound");
  return it->second;
}

Result<TicketSnapshot> FakeHelpdesk::update_ticket(const TicketUpdate& update) {
  MutexLock lock(mutex_);
  auto answer = record({"update_ticket", update.ticket_id, update});
  if (answer && !answer->status.ok()) {
    if (answer->applies) (void)apply(update);
    return answer->status;
  }
  return apply(update);
}

Result<std::string> FakeHelpdesk::update_many(const std::vector<TicketUpdate>& updates) {
  MutexLock lock(mutex_);
  auto answer = record({"update_many"});
  if (answer && !answer->status.ok()) return answer->status;
  JobStatus job;
  job.id = "job-" + std::to_string(jobs_.size() + 1);
  job.status = "completed";
  for (size_t i = 0; i < updates.size(); ++i) {
    auto applied = apply(updates[i]);
    BulkItemResult item;
    item.ticket_id = updates[i].ticket_id;
    item.index = i;
    item.success = applied.ok();
    if (!applied.ok()) item.error = "TicketUpdateFailed: " + applied.status().message();
    job.results.push_back(std::move(item));
  }
  jobs_[job.id] = job;
  return job.id;
}

Result<JobStatus> FakeHelpdesk::job_status(const std::string& job_id) {
  MutexLock lock(mutex_);
  auto answer = record({"job_status"});
  if (answer && !answer->status.ok()) return answer->status;
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return Status::NotFound("RecordNotFound");
  return it->second;
}

Result<std::vector<TicketSnapshot>> FakeHelpdesk::tickets_by_ids(const std::vector<TicketId>& ids) {
  MutexLock lock(mutex_);
  HelpdeskCall call{"tickets_by_ids"};
  call.ids = ids;
  auto answer = record(std::move(call));
  if (answer && !answer->status.ok()) return answer->status;
  std::vector<TicketSnapshot> out;
  for (TicketId id : ids) {
    if (auto it = tickets_.find(id); it != tickets_.end()) out.push_back(it->second);
  }
  return out;
}

Result<bool> FakeHelpdesk::has_comment_containing(TicketId id, const std::string& marker) {
  MutexLock lock(mutex_);
  HelpdeskCall call{"has_comment_containing", id};
  call.marker = marker;
  auto answer = record(std::move(call));
  if (answer && !answer->status.ok()) return answer->status;
  for (const auto& c : comments_[id]) {
    if (c.find(marker) != std::string::npos) return true;
  }
  return false;
}

Result<ExportPage> FakeHelpdesk::export_tickets(const std::string& /*cursor*/, Instant start_time) {
  MutexLock lock(mutex_);
  auto answer = record({"export_tickets"});
  if (answer && !answer->status.ok()) return answer->status;
  ExportPage page;
  for (const auto& [id, t] : tickets_) {
    if (t.updated_at && *t.updated_at >= start_time) page.tickets.push_back(t);
  }
  page.after_cursor = std::to_string(to_unix_ms(clock_.now()));
  page.end_of_stream = true;
  return page;
}

Result<std::vector<GroupMember>> FakeHelpdesk::group_memberships(GroupId group) {
  MutexLock lock(mutex_);
  auto answer = record({"group_memberships"});
  if (answer && !answer->status.ok()) return answer->status;
  std::vector<GroupMember> out;
  for (UserId u : members_[group]) out.push_back({u, group});
  return out;
}

Result<UserInfo> FakeHelpdesk::current_user() {
  MutexLock lock(mutex_);
  auto answer = record({"current_user"});
  if (answer && !answer->status.ok()) return answer->status;
  return UserInfo{kApiUserId, "tierd", "admin", true, {}};
}

Result<std::vector<UserInfo>> FakeHelpdesk::users_by_ids(const std::vector<UserId>& ids) {
  MutexLock lock(mutex_);
  auto answer = record({"users_by_ids"});
  if (answer && !answer->status.ok()) return answer->status;
  std::vector<UserInfo> out;
  for (UserId id : ids) out.push_back({id, "agent " + std::to_string(id), "agent", true, {}});
  return out;
}

}  // namespace tierd::testing
