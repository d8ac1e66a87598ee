// Starting `tierd serve` as a process for the listener's tests: a config
// file from a JSON patch, the secrets in its environment, and a zendesk-sim
// for it to talk to. Signed webhook bodies for load.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "support/process_harness.h"

namespace tierd::testing {

inline constexpr const char* kServingSecret = "front-door-secret";

// A zendesk-sim on a free loopback port; its port.
std::unique_ptr<Subprocess> start_simulator(const TempDir& dir, int& port);

// A config for tierd on 127.0.0.1:`port` with its store at `db`, talking to
// the simulator on `sim_port`; `patch` is merged in (RFC 7386).
nlohmann::json serving_config(int port, const std::string& db, int sim_port,
                              const nlohmann::json& patch = nlohmann::json::object());

// Writes `config` to dir/name.json and starts tierd serve with it; its log
// is dir/name.log. Does not wait.
std::unique_ptr<Subprocess> start_tierd(const TempDir& dir, const std::string& name,
                                        const nlohmann::json& config);

// A signed ticket.created delivery for ticket `ticket`, stamped now:
// the body and the headers Zendesk sends with it.
struct SignedDelivery {
  std::string body;
  std::string signature;
  std::string timestamp;
};
SignedDelivery signed_delivery(int64_t ticket, const std::string& event_id);

// A self-signed certificate for 127.0.0.1 in dir/name.crt and dir/name.key.
void make_certificate(const TempDir& dir, const std::string& name);

}  // namespace tierd::testing
