#include "daemon/serve.h"

#include <signal.h>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "daemon/clock.h"
#include "daemon/config.h"
#include "daemon/engine.h"
#include "daemon/inbox_writer.h"
#include "daemon/logging.h"
#include "daemon/metrics.h"
#include "daemon/outbox_sender.h"
#include "daemon/policy_builder.h"
#include "daemon/store_factory.h"
#include "daemon/webhook_handler.h"
#include "vendor/zendesk/api_client.h"

namespace tierd {
namespace {

sigset_t daemon_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

void reload(const std::string& path, Engine& engine) {
  auto config = load_config_file(path);
  if (!config.ok()) {
    spdlog::error("reload: the new config was refused; the running one stays:\n{}", config.status().message());
    return;
  }
  auto policy = build_policy(*config);
  if (!policy.ok()) {
    spdlog::error("reload: the new config was refused; the running one stays: {}", policy.status().message());
    return;
  }
  setup_logging(config->log);
  engine.set_policy(*policy);
  spdlog::info("reload: applied {}; deadlines are being re-planned", path);
}

}  // namespace

int run_serve(const std::string& config_path) {
  auto config = load_config_file(config_path);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return 2;
  }
  setup_logging(config->log);
  for (const auto& w : config->warnings) spdlog::warn("config: {}", w);
  auto secrets = load_secrets(*config);
  if (!secrets.ok()) {
    std::cerr << secrets.status().message() << "\n";
    return 2;
  }
  auto policy = build_policy(*config);
  if (!policy.ok()) {
    std::cerr << policy.status().message() << "\n";
    return 2;
  }

  // Every thread started from here on inherits the blocked signals.
  sigset_t signals = daemon_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto store = open_store(*config, *secrets);
  if (!store.ok()) {
    spdlog::critical("store: cannot open: {}", store.status().to_string());
    return 1;
  }
  SystemClock clock;
  Metrics metrics;
  bool shadow = config->mode == RunMode::kShadow;

  EngineOptions engine_options;
  engine_options.shadow = shadow;
  Engine engine(**store, clock, metrics, *policy, engine_options);

  ZendeskApiOptions api_options;
  api_options.base_url = config->zendesk.base_url;
  api_options.email = config->zendesk.email;
  api_options.api_token = secrets->zendesk_api_token;
  api_options.oauth_token = secrets->zendesk_oauth_token;
  api_options.timeout = config->zendesk.timeout;
  api_options.ca_file = config->zendesk.ca_file;
  ZendeskApiClient api(api_options);

  OutboxSenderOptions sender_options;
  sender_options.requests_per_minute = config->zendesk.requests_per_minute * config->zendesk.rate_share;
  sender_options.updates_per_minute = config->zendesk.updates_per_minute * config->zendesk.rate_share;
  OutboxSender sender(**store, api, engine, clock, metrics, sender_options);
  engine.set_outbox_listener([&sender] { sender.wake(); });

  InboxWriter inbox(**store, InboxWriterOptions{}, [&engine](size_t) { engine.notify_inbox(); });

  if (Status s = engine.start(); !s.ok()) {
    spdlog::critical("engine: cannot start: {}", s.to_string());
    return 1;
  }
  if (!shadow) sender.start();
  inbox.start();

  WebhookHandlerOptions handler_options;
  handler_options.secrets.push_back(secrets->webhook_secret);
  if (!secrets->webhook_secret_previous.empty()) handler_options.secrets.push_back(secrets->webhook_secret_previous);
  handler_options.timestamp_tolerance = config->webhook.timestamp_tolerance;
  handler_options.max_body_bytes = static_cast<size_t>(config->webhook.max_body_bytes);
  WebhookHandler handler(handler_options, clock, inbox, metrics);

  httplib::Server server;
  int threads = config->listen.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server.set_tcp_nodelay(true);
  // Zendesk keeps connections open across deliveries; httplib's default of
  // closing after 5 requests costs a reconnect (and a stall under load).
  server.set_keep_alive_max_count(1000);
  server.set_keep_alive_timeout(30);
  register_webhook_route(server, handler);
  std::atomic<bool> ready{false};
  server.Get("/healthz", [&](const httplib::Request&, httplib::Response& res) {
    if (ready) {
      res.set_content(R"({"status":"ok"})", "application/json");
    } else {
      res.status = 503;
      res.set_content(R"({"status":"starting"})", "application/json");
    }
  });
  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    auto depth = (*store)->inbox_depth();
    if (depth.ok()) metrics.inbox_depth().Set(static_cast<double>(*depth));
    res.set_content(metrics.exposition(), "text/plain; version=0.0.4");
  });

  int port = config->listen.port;
  if (port == 0) {
    port = server.bind_to_any_port(config->listen.host);
  } else if (!server.bind_to_port(config->listen.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    spdlog::critical("listen: cannot bind {}:{}", config->listen.host, config->listen.port);
    inbox.stop();
    sender.stop();
    engine.stop();
    return 1;
  }
  std::thread http([&server] { server.listen_after_bind(); });
  ready = true;
  spdlog::info("tierd listening on {}:{} mode={} tiers={}", config->listen.host, port,
               shadow ? "shadow" : "live", config->tiers.size());

  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      reload(config_path, engine);
      continue;
    }
    spdlog::info("shutdown: signal {} received; stopping", sig);
    break;
  }
  ready = false;
  server.stop();
  http.join();
  inbox.stop();   // every acknowledged delivery is committed
  sender.stop();  // the write in flight finishes and its outcome reaches the engine
  engine.stop();  // commits what it holds
  spdlog::info("shutdown: done");
  return 0;
}

}  // namespace tierd
