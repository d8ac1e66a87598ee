// The built-in demo (`zendesk-sim --demo builtin`, sim/common/demo_driver.h)
// in Zendesk's fields: users with roles, memberships, customers as
// requesters, agents' public comments.
#pragma once

#include "sim/common/demo_driver.h"
#include "sim/zendesk/sim_service.h"

namespace tierd::sim {

class ZendeskDemo : public DemoHelpdesk {
 public:
  explicit ZendeskDemo(SimService& service) : service_(service) {}

  void seed() override;
  std::optional<int64_t> create(const DemoTicket& ticket, int64_t group, int n) override;
  std::optional<int64_t> group_of(int64_t ticket) override;
  int act(int64_t ticket, int64_t agent, bool solve) override;

 private:
  SimService& service_;
};

}  // namespace tierd::sim
