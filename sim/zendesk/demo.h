// The built-in demo (`zendesk-sim --demo builtin`): seeds a support account
// (review, tier 1-3 and review-lead groups, two agents per tier, a reviewer)
// and then plays customers and agents: a new ticket every few seconds, some
// answered or solved quickly, others left open so tierd's demo budgets
// escalate them.
//
// DemoDriver owns one thread that calls SimService in-process. start()/stop()
// from the owning thread.
#pragma once

#include "runtime/worker_thread.h"
#include "sim/zendesk/sim_service.h"

namespace tierd::sim {

// Seeds the demo's groups, agents and memberships.
void seed_demo_account(SimService& service);

class DemoDriver {
 public:
  // `speed` > 0 scales the pace: 2.0 runs twice as fast.
  DemoDriver(SimService& service, double speed);
  ~DemoDriver();
  DemoDriver(const DemoDriver&) = delete;
  DemoDriver& operator=(const DemoDriver&) = delete;

  void start();
  void stop();

 private:
  void run();
  // Sleeps `seconds / speed`; false when stopping.
  bool pause(double seconds);

  SimService& service_;
  const double speed_;
  WorkerThread worker_;
};

}  // namespace tierd::sim
