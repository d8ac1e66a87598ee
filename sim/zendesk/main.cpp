// zendesk-sim: a stand-in for the parts of Zendesk's API that tierd uses, on
// loopback. Parse flags -> build the service -> bind HTTP -> print the port ->
// (demo) -> wait for SIGTERM/SIGINT -> stop in reverse order.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>

#include "sim/common/http_server.h"
#include "sim/common/stop_signals.h"
#include "sim/zendesk/demo.h"
#include "sim/zendesk/sim_service.h"

int main(int argc, char** argv) {
  using tierd::sim::SimOptions;
  SimOptions options;
  std::string status_case = "upper";
  std::string empty_id = "null";
  std::string demo;
  double demo_speed = 1.0;
  int job_delay_ms = static_cast<int>(options.job_delay.count());
  int webhook_backoff_ms = static_cast<int>(options.webhook_retry_backoff.count());
  int webhook_timeout_ms = static_cast<int>(options.webhook_timeout.count());

  CLI::App app{"zendesk-sim: a local stand-in for the Zendesk API subset tierd uses"};
  app.add_option("--host", options.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "Port; 0 picks a free one")->capture_default_str();
  app.add_option("--email", options.email, "API user's email")->capture_default_str();
  app.add_option("--token", options.api_token, "API token");
  app.add_option("--oauth-token", options.oauth_token, "Accepted OAuth bearer token");
  app.add_option("--webhook-url", options.webhook_url, "Where to send ticket event webhooks");
  app.add_option("--webhook-secret", options.webhook_secret,
                 "Signing secret (default: Zendesk's static test secret)");
  app.add_option("--status-case", status_case, "Case of enums in webhooks")
      ->check(CLI::IsMember({"upper", "lower", "title"}))
      ->capture_default_str();
  app.add_option("--empty-id", empty_id, "How webhooks write an empty id: null or \"0\"")
      ->check(CLI::IsMember({"null", "zero"}))
      ->capture_default_str();
  app.add_option("--account-id", options.account_id)->capture_default_str();
  app.add_option("--rate-limit", options.account_limit_per_minute, "Account requests per minute")
      ->capture_default_str();
  app.add_option("--update-rate-limit", options.update_limit_per_minute,
                 "Update Ticket requests per minute per account")
      ->capture_default_str();
  app.add_option("--ticket-update-limit", options.ticket_update_limit,
                 "Update Ticket requests per ticket per 10 minutes")
      ->capture_default_str();
  app.add_option("--export-rate-limit", options.export_limit_per_minute,
                 "Incremental export requests per minute")
      ->capture_default_str();
  app.add_option("--export-exclusion-seconds", options.export_exclusion_seconds,
                 "Exports leave out changes this recent")
      ->capture_default_str();
  app.add_option("--job-delay-ms", job_delay_ms, "Delay before an update_many job runs")
      ->capture_default_str();
  app.add_option("--webhook-retry-backoff-ms", webhook_backoff_ms)->capture_default_str();
  app.add_option("--webhook-timeout-ms", webhook_timeout_ms)->capture_default_str();
  app.add_option("--demo", demo, "Run a scripted demo")->check(CLI::IsMember({"builtin"}));
  app.add_option("--demo-speed", demo_speed, "Demo pace multiplier")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  options.status_case = *tierd::sim::parse_enum_case(status_case);
  options.empty_id = empty_id == "zero" ? tierd::sim::EmptyId::kZero : tierd::sim::EmptyId::kNull;
  options.job_delay = std::chrono::milliseconds(job_delay_ms);
  options.webhook_retry_backoff = std::chrono::milliseconds(webhook_backoff_ms);
  options.webhook_timeout = std::chrono::milliseconds(webhook_timeout_ms);

  spdlog::set_default_logger(spdlog::stderr_color_mt("zendesk-sim"));
  const sigset_t stop_signals = tierd::sim::block_stop_signals();

  tierd::sim::SimService service(options);
  tierd::sim::SimHttpServer server(
      [&service](const tierd::sim::SimRequest& request) { return service.handle(request); });
  auto port = server.start(options.host, options.port, options.http_threads);
  if (!port.ok()) {
    spdlog::error("event=start_failed error=\"{}\"", port.status().message());
    return 1;
  }
  const std::string base_url = "http://" + options.host + ":" + std::to_string(*port);
  service.start(base_url);
  std::cout << "zendesk-sim listening on " << options.host << ":" << *port << std::endl;
  spdlog::info("event=started port={} webhooks={}", *port,
               options.webhook_url.empty() ? "off" : "on");

  tierd::sim::ZendeskDemo demo_helpdesk(service);
  std::unique_ptr<tierd::sim::DemoDriver> driver;
  if (demo == "builtin") {
    driver = std::make_unique<tierd::sim::DemoDriver>(demo_helpdesk, demo_speed);
    driver->start();
  }

  const int sig = tierd::sim::wait_for_stop_signal(stop_signals);
  spdlog::info("event=stopping signal={}", sig);
  if (driver) driver->stop();
  server.stop();
  service.stop();
  spdlog::info("event=stopped");
  return 0;
}
