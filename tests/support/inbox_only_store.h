// InboxOnlyStore: a base for in-process test stores that only take inbox
// appends (the InboxWriter and WebhookHandler unit tests). Every other Store
// method fails with kInternal, so a test notices if the code under test
// reaches beyond the inbox.
#pragma once

#include "store/store.h"

namespace tierd::testing {

class InboxOnlyStore : public Store {
 public:
  Result<std::vector<InboxRecord>> pending_inbox(int64_t, size_t,
                                                 const cluster::ShardScope&) override {
    return unused();
  }
  Result<std::vector<InboxRecord>> inbox_range(Instant, Instant, size_t) override {
    return unused();
  }
  Result<int64_t> inbox_depth() override { return unused(); }
  Result<std::optional<TicketRow>> load_ticket(TicketId) override { return unused(); }
  Status for_each_deadline(const std::function<void(TicketId, Instant)>&) override {
    return unused();
  }
  Status for_each_clock_summary(const cluster::ShardScope&,
                                const std::function<void(const ClockSummaryRow&)>&) override {
    return unused();
  }
  Result<std::map<UserId, int64_t>> open_tickets_per_assignee() override { return unused(); }
  Status for_each_ticket(const std::function<void(const TicketRow&)>&) override { return unused(); }
  Status commit(std::vector<EngineCommit>&) override { return unused(); }
  Result<std::vector<OutboxRecord>> due_outbox(Instant, size_t,
                                               const cluster::ShardScope&) override {
    return unused();
  }
  Result<std::vector<OutboxRecord>> pending_outbox_for_ticket(TicketId) override {
    return unused();
  }
  Status mark_outbox_attempt(const std::vector<int64_t>&,
                             const std::vector<cluster::ShardFence>&) override {
    return unused();
  }
  Status reschedule_outbox(const std::vector<int64_t>&, Instant, const std::string&,
                           const std::vector<cluster::ShardFence>&) override {
    return unused();
  }
  Result<int64_t> outbox_depth() override { return unused(); }
  Result<std::optional<Instant>> oldest_pending_outbox() override { return unused(); }
  Result<std::vector<OutboxRecord>> dead_outbox(size_t) override { return unused(); }
  Status append_audit(const std::vector<AuditRecord>&) override { return unused(); }
  Result<std::vector<AuditRecord>> audit_for_ticket(TicketId) override { return unused(); }
  Status for_each_audit(const AuditQuery&,
                        const std::function<void(const AuditRecord&)>&) override {
    return unused();
  }
  Result<int64_t> prune_audit(Instant, const std::vector<cluster::ShardFence>&) override {
    return unused();
  }
  Result<InboxPruned> prune_inbox(Instant, Instant,
                                  const std::vector<cluster::ShardFence>&) override {
    return unused();
  }
  Result<std::optional<std::string>> get_meta(const std::string&) override { return unused(); }
  Status put_meta(const std::string&, const std::string&) override { return unused(); }

 private:
  static Status unused() { return Status::Internal("only the inbox is used in this test"); }
};

}  // namespace tierd::testing
