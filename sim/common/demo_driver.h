// The built-in demo both simulators play (`--demo builtin`): seeds a support
// account (review, tier 1-3 and review-lead groups, two agents per tier, a
// reviewer) and then plays customers and agents: a new ticket every few
// seconds, some answered or solved quickly, others left open so tierd's demo
// budgets escalate them.
//
// DemoDriver owns one thread that acts on the simulator in-process through a
// DemoHelpdesk, which speaks the vendor's fields (sim/zendesk/demo.h,
// sim/freshdesk/demo.h). start()/stop() from the owning thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "runtime/worker_thread.h"

namespace tierd::sim {

struct DemoGroup {
  int64_t id;
  const char* name;
};

struct DemoAgent {
  int64_t id;
  const char* name;
  int64_t group;
};

struct DemoTicket {
  const char* subject;
  const char* body;
  const char* priority;  // low | normal | high | urgent
  const char* channel;   // web_form | email | api
};

// The groups and agents config/demo.json and config/demo-freshdesk.json name.
inline constexpr std::array<DemoGroup, 5> kDemoGroups = {{{114000, "Review"},
                                                          {114001, "Tier 1"},
                                                          {114002, "Tier 2"},
                                                          {114003, "Tier 3"},
                                                          {114009, "Review leads"}}};
inline constexpr std::array<DemoAgent, 7> kDemoAgents = {{
    {500120, "Dana Tier1", 114001},
    {500121, "Eli Tier1", 114001},
    {500122, "Fatima Tier2", 114002},
    {500123, "Goran Tier2", 114002},
    {500124, "Hana Tier3", 114003},
    {500125, "Ivo Tier3", 114003},
    {500777, "Sam Reviewer", 114000},
}};
// The reviewer also leads the review leads' group.
inline constexpr int64_t kDemoReviewLead = 500777;

// What the demo needs of a simulator, in its vendor's fields.
class DemoHelpdesk {
 public:
  virtual ~DemoHelpdesk() = default;
  // Groups, agents, memberships (and customers, where the vendor has them).
  virtual void seed() = 0;
  // Creates the `n`-th ticket of the stream as a customer; its id, or
  // nullopt when the simulator refused it (logged).
  virtual std::optional<int64_t> create(const DemoTicket& ticket, int64_t group, int n) = 0;
  // The ticket's group now; nullopt when it has none or is gone.
  virtual std::optional<int64_t> group_of(int64_t ticket) = 0;
  // `agent` answers the customer (pending) or solves the ticket; the HTTP status.
  virtual int act(int64_t ticket, int64_t agent, bool solve) = 0;
};

class DemoDriver {
 public:
  // `speed` > 0 scales the pace: 2.0 runs twice as fast.
  DemoDriver(DemoHelpdesk& helpdesk, double speed);
  ~DemoDriver();
  DemoDriver(const DemoDriver&) = delete;
  DemoDriver& operator=(const DemoDriver&) = delete;

  // Seeds the account, then starts the stream.
  void start();
  void stop();

 private:
  void run();
  // Sleeps `seconds / speed`; false when stopping.
  bool pause(double seconds);

  DemoHelpdesk& helpdesk_;
  const double speed_;
  WorkerThread worker_;
};

}  // namespace tierd::sim
