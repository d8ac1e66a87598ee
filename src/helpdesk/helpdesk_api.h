// HelpdeskApi: the helpdesk's REST API as tierd uses it, vendor-neutral.
//
// The Zendesk implementation is src/zendesk/api_client.h. Calls block
// the calling thread (the api writer, the reconciler, `tierd setup`); an
// implementation is safe to call from several threads at once.
//
// Failures come back as Status values whose codes say what to do next:
//   kConflict          409: the ticket changed since `updated_stamp` (safe update)
//   kResourceExhausted 429: retry after Status::retry_after()
//   kUnavailable       5xx or a refused/dropped connection: retry with back-off
//                      (retry_after() set when the vendor sent Retry-After)
//   kDeadlineExceeded  no answer in time: the write may or may not have applied
//   kUnauthenticated   401: credentials are wrong or expired; stop writing
//   kPermissionDenied  403, or the server's TLS certificate failed verification
//   kNotFound          404 (e.g. the ticket was deleted)
//   kInvalidArgument   other 4xx: the request itself is wrong; do not retry
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/ticket.h"
#include "core/time.h"

namespace tierd {

// One write to one ticket. Only the fields that are set are sent.
struct TicketUpdate {
  TicketId ticket_id = 0;
  std::optional<GroupId> group_id;
  bool set_assignee = false;  // with assignee_id: nullopt clears the assignee
  std::optional<UserId> assignee_id;
  // The whole tag list to store. Sent together with updated_stamp, so a
  // concurrent tag change makes the write fail with kConflict instead of
  // being overwritten.
  std::optional<std::vector<std::string>> tags;
  // With tags: those the writes take away, which `tags` leaves out. A client
  // without a conditional update tells from them whether a ticket changed
  // since updated_stamp still holds what this update sets.
  std::vector<std::string> tags_removed;
  std::vector<UserId> add_followers;
  std::optional<std::string> internal_note;  // a private comment
  std::vector<int64_t> clear_custom_fields;  // custom field ids to set to null
  std::optional<Instant> updated_stamp;      // safe update against this updated_at
};

// The outcome for one ticket of a bulk update job. What the vendor reports
// for an item that lost to a concurrent change is not documented, so a
// failed item says only that it failed (error and details for people).
struct BulkItemResult {
  TicketId ticket_id = 0;
  std::optional<size_t> index;  // its position in the submitted list, when reported
  bool success = false;
  std::string error;  // vendor error text when !success, with its details
};

struct JobStatus {
  std::string id;
  std::string status;  // "queued", "working", "completed", "failed", "killed"
  std::vector<BulkItemResult> results;
  bool finished() const {
    return status == "completed" || status == "failed" || status == "killed";
  }
};

// One page of the incremental ticket export.
struct ExportPage {
  std::vector<TicketSnapshot> tickets;
  std::string after_cursor;  // pass to the next call
  bool end_of_stream = false;
};

struct GroupMember {
  UserId user_id = 0;
  GroupId group_id = 0;
};

struct UserInfo {
  UserId id = 0;
  std::string name;
  std::string role;  // "agent", "admin", "end-user"
  bool active = true;
  std::vector<std::string> tags;  // normalised (lower-case, sorted, unique)
};

class HelpdeskApi {
 public:
  virtual ~HelpdeskApi() = default;

  virtual Result<TicketSnapshot> get_ticket(TicketId id) = 0;
  // Applies the update; returns the ticket as the vendor stored it.
  virtual Result<TicketSnapshot> update_ticket(const TicketUpdate& update) = 0;
  // Submits up to 100 updates as one asynchronous bulk job; returns its id.
  virtual Result<std::string> update_many(const std::vector<TicketUpdate>& updates) = 0;
  virtual Result<JobStatus> job_status(const std::string& job_id) = 0;
  // Several jobs' statuses (unknown ids are left out). The default asks for
  // each in turn; an implementation can answer them in one request.
  virtual Result<std::vector<JobStatus>> job_statuses(const std::vector<std::string>& job_ids) {
    std::vector<JobStatus> out;
    for (const auto& id : job_ids) {
      auto one = job_status(id);
      if (one.ok()) {
        out.push_back(std::move(one).value());
      } else if (one.status().code() != StatusCode::kNotFound) {
        return one.status();
      }
    }
    return out;
  }
  // How many tickets tickets_by_ids() reads in one request; 0 (the default)
  // when the vendor has no such read, and tickets are read one at a time.
  virtual size_t tickets_per_request() const { return 0; }
  // The tickets with these ids (at most tickets_per_request(); unknown ids
  // are left out), in one request.
  virtual Result<std::vector<TicketSnapshot>> tickets_by_ids(const std::vector<TicketId>& ids) {
    (void)ids;
    return Status::InvalidArgument("this helpdesk cannot read several tickets in one request");
  }
  // True when one of the ticket's comments contains `marker` (used to check
  // whether a write whose outcome is unknown already applied).
  virtual Result<bool> has_comment_containing(TicketId id, const std::string& marker) = 0;
  // Incremental export: start at `start_time` when `cursor` is empty.
  virtual Result<ExportPage> export_tickets(const std::string& cursor, Instant start_time) = 0;
  virtual Result<std::vector<GroupMember>> group_memberships(GroupId group) = 0;
  virtual Result<UserInfo> current_user() = 0;
  // The users with these ids (unknown ids are left out), with their tags.
  // Returns the users on success; the first failed request's Status on failure.
  virtual Result<std::vector<UserInfo>> users_by_ids(const std::vector<UserId>& ids) = 0;
  // How long a request would now wait for the account's request budget
  // (request_pacer.h); zero when it may go at once or nothing paces it.
  virtual Duration pacing_wait() { return Duration(0); }
};

}  // namespace tierd
