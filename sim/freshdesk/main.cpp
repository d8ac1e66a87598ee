// freshdesk-sim: a stand-in for the parts of Freshdesk's API v2 that tierd
// uses, on loopback, with the automation rules' "Trigger webhook" action.
// Parse flags -> build the service -> bind HTTP -> print the port -> start
// (demo) -> wait for SIGTERM/SIGINT -> stop in reverse order.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "sim/common/http_server.h"
#include "sim/common/stop_signals.h"
#include "sim/freshdesk/demo.h"
#include "sim/freshdesk/service.h"

namespace {

std::string read_template(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  using tierd::sim::freshdesk::FreshdeskOptions;
  using tierd::sim::freshdesk::WebhookAuth;
  FreshdeskOptions options;
  std::string auth = "header";
  std::string create_template_file, update_template_file;
  std::vector<int> retry_delays_ms = {5 * 60 * 1000, 30 * 60 * 1000, 60 * 60 * 1000};
  int postpone_ms = static_cast<int>(options.webhook.postpone.count());
  int timeout_ms = static_cast<int>(options.webhook.timeout.count());
  int job_delay_ms = static_cast<int>(options.job_delay.count());
  std::string demo;
  double demo_speed = 1.0;

  CLI::App app{"freshdesk-sim: a local stand-in for the Freshdesk API v2 subset tierd uses"};
  app.add_option("--host", options.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "Port; 0 picks a free one")->capture_default_str();
  app.add_option("--api-key", options.api_key, "The API key (Basic auth user name)")
      ->capture_default_str();
  app.add_option("--rate-limit", options.rate_limit_per_minute,
                 "Account API credits per minute (Growth 200, Pro 400, Enterprise 700)")
      ->capture_default_str();
  app.add_option("--update-limit", options.update_limit_per_minute,
                 "Ticket updates per minute (Growth 80, Pro 160, Enterprise 280)")
      ->capture_default_str();
  app.add_option("--job-delay-ms", job_delay_ms, "Delay before a bulk_update job runs")
      ->capture_default_str();
  app.add_option("--webhook-url", options.webhook.url,
                 "Where the creation and update rules' Trigger webhook action POSTs");
  app.add_option("--webhook-auth", auth, "How the rule proves itself: header, basic or none")
      ->check(CLI::IsMember({"header", "basic", "none"}))
      ->capture_default_str();
  app.add_option("--webhook-secret", options.webhook.secret,
                 "The X-Tierd-Webhook-Secret value, or the Basic auth password");
  app.add_option("--webhook-create-template", create_template_file,
                 "File with the creation rule's body (default: tierd's README body)");
  app.add_option("--webhook-update-template", update_template_file,
                 "File with the update rule's body (default: tierd's README body)");
  app.add_option("--webhook-retry-delays-ms", retry_delays_ms,
                 "Waits before each retry of a failed delivery")
      ->capture_default_str();
  app.add_option("--webhook-postpone-ms", postpone_ms, "Wait for a delivery over the rate limit")
      ->capture_default_str();
  app.add_option("--webhook-timeout-ms", timeout_ms)->capture_default_str();
  app.add_option("--demo", demo, "Run a scripted demo")->check(CLI::IsMember({"builtin"}));
  app.add_option("--demo-speed", demo_speed, "Demo pace multiplier")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  options.webhook.auth = auth == "basic"  ? WebhookAuth::kBasic
                         : auth == "none" ? WebhookAuth::kNone
                                          : WebhookAuth::kHeader;
  options.webhook.create_template = read_template(create_template_file);
  options.webhook.update_template = read_template(update_template_file);
  options.webhook.retry_delays.clear();
  for (int ms : retry_delays_ms) options.webhook.retry_delays.emplace_back(ms);
  options.webhook.postpone = std::chrono::milliseconds(postpone_ms);
  options.webhook.timeout = std::chrono::milliseconds(timeout_ms);
  options.job_delay = std::chrono::milliseconds(job_delay_ms);

  spdlog::set_default_logger(spdlog::stderr_color_mt("freshdesk-sim"));
  const sigset_t stop_signals = tierd::sim::block_stop_signals();

  tierd::sim::freshdesk::FreshdeskService service(options);
  tierd::sim::SimHttpServer server(
      [&service](const tierd::sim::SimRequest& request) { return service.handle(request); });
  auto port = server.start(options.host, options.port, options.http_threads);
  if (!port.ok()) {
    spdlog::error("event=start_failed error=\"{}\"", port.status().message());
    return 1;
  }
  service.start("http://" + options.host + ":" + std::to_string(*port));
  std::cout << "freshdesk-sim listening on " << options.host << ":" << *port << std::endl;
  spdlog::info("event=started port={} webhooks={}", *port,
               options.webhook.url.empty() ? "off" : "on");

  tierd::sim::freshdesk::FreshdeskDemo demo_helpdesk(service);
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
