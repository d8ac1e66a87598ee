#include "support/webhook_receiver.h"

#include <chrono>
#include <stdexcept>

namespace tierd::testing {

WebhookReceiver::WebhookReceiver(int fail_first) : fail_first_(fail_first) {
  server_.set_tcp_nodelay(true);
  server_.Post("/hooks/zendesk", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    if (fail_first_ > 0) {
      --fail_first_;
      res.status = 503;
      return;
    }
    received_.push_back({nlohmann::json::parse(req.body, nullptr, false), req.body, req.headers});
    res.status = 200;
  });
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("webhook receiver: cannot bind a loopback port");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
}

WebhookReceiver::~WebhookReceiver() {
  server_.stop();
  thread_.join();
}

std::string WebhookReceiver::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/zendesk";
}

std::vector<ReceivedDelivery> WebhookReceiver::wait_for(size_t n) {
  for (int i = 0; i < 250; ++i) {
    {
      std::lock_guard lock(mutex_);
      if (received_.size() >= n) return received_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::lock_guard lock(mutex_);
  return received_;
}

size_t WebhookReceiver::count() {
  std::lock_guard lock(mutex_);
  return received_.size();
}

}  // namespace tierd::testing
