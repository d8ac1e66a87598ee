// InboxNotifications: wakes this replica's engine when any replica commits
// new inbox rows to the shared PostgreSQL store.
//
// A webhook reaches whichever replica the load balancer picks, but the
// decision belongs to the owner of the ticket's shard. The store's
// append_inbox() sends a NOTIFY on TIERD_INBOX_CHANNEL in the same
// transaction, which PostgreSQL delivers at commit to every session
// LISTENing; this class keeps one such session (its own connection, so it
// never waits behind the store's calls) and calls `on_notify` for each
// notification, on its own thread. Notifications are a prompt, not a record:
// the engine reads the inbox itself, and one lost while the connection was
// down is made good by the call that follows every (re)connection.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "runtime/clock.h"
#include "runtime/worker_thread.h"

#define TIERD_INBOX_CHANNEL "tierd_inbox"

namespace tierd {

class InboxNotifications {
 public:
  InboxNotifications(std::string connection_url, std::function<void()> on_notify);
  ~InboxNotifications();
  InboxNotifications(const InboxNotifications&) = delete;
  InboxNotifications& operator=(const InboxNotifications&) = delete;

  void start();
  void stop();

 private:
  void run();

  const std::string url_;
  const std::function<void()> on_notify_;
  SteadyClock clock_;
  WorkerThread worker_;  // last: its thread uses the members above
};

}  // namespace tierd
