// The built-in demo (`freshdesk-sim --demo builtin`, sim/common/demo_driver.h)
// in Freshdesk's fields: agents and groups with agent_ids, status and
// priority codes, the channel as source; an agent's answer is a status
// change (the simulator keeps no public replies).
#pragma once

#include "sim/common/demo_driver.h"
#include "sim/freshdesk/service.h"

namespace tierd::sim::freshdesk {

class FreshdeskDemo : public DemoHelpdesk {
 public:
  explicit FreshdeskDemo(FreshdeskService& service) : service_(service) {}

  void seed() override;
  std::optional<int64_t> create(const DemoTicket& ticket, int64_t group, int n) override;
  std::optional<int64_t> group_of(int64_t ticket) override;
  int act(int64_t ticket, int64_t agent, bool solve) override;

 private:
  // One call of the control API, as the tests make it.
  SimResponse control(const std::string& method, const std::string& path,
                      const nlohmann::json& body);

  FreshdeskService& service_;
};

}  // namespace tierd::sim::freshdesk
