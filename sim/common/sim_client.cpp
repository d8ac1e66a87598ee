#include "sim/common/sim_client.h"

#include <httplib.h>

#include "helpdesk/text_codec.h"

namespace tierd::sim {

using nlohmann::json;

std::string SimReply::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

SimClient::SimClient(int port, const std::string& host)
    : client_(std::make_unique<httplib::Client>(host, port)) {
  client_->set_tcp_nodelay(true);
  client_->set_connection_timeout(5, 0);
  client_->set_read_timeout(10, 0);
  client_->set_keep_alive(true);
}

SimClient::~SimClient() = default;

void SimClient::use_token(const std::string& email, const std::string& token) {
  use_basic(email + "/token", token);
}

void SimClient::use_basic(const std::string& user, const std::string& password) {
  authorization_ = "Basic " + base64_encode(user + ":" + password);
}

void SimClient::use_bearer(const std::string& token) {
  authorization_ = "Bearer " + token;
}

void SimClient::clear_auth() {
  authorization_.clear();
}

void SimClient::set_read_timeout_ms(int ms) {
  client_->set_read_timeout(ms / 1000, (ms % 1000) * 1000);
}

SimReply SimClient::get(const std::string& path) {
  return send("GET", path, nullptr);
}
SimReply SimClient::post(const std::string& path, const json& body) {
  return send("POST", path, body);
}
SimReply SimClient::patch(const std::string& path, const nlohmann::json& body) {
  return send("PATCH", path, body);
}

SimReply SimClient::put(const std::string& path, const json& body) {
  return send("PUT", path, body);
}
SimReply SimClient::del(const std::string& path, const json& body) {
  return send("DELETE", path, body);
}

SimReply SimClient::send(const std::string& method, const std::string& path, const json& body) {
  httplib::Headers headers;
  if (!authorization_.empty()) headers.emplace("Authorization", authorization_);
  const std::string text = body.is_null() ? std::string() : body.dump();
  httplib::Result res(nullptr, httplib::Error::Unknown);
  if (method == "GET") {
    res = client_->Get(path, headers);
  } else if (method == "POST") {
    res = client_->Post(path, headers, text, "application/json");
  } else if (method == "PUT") {
    res = client_->Put(path, headers, text, "application/json");
  } else if (method == "PATCH") {
    res = client_->Patch(path, headers, text, "application/merge-patch+json");
  } else {
    res = client_->Delete(path, headers, text, "application/json");
  }
  SimReply reply;
  if (!res) {
    reply.error = httplib::to_string(res.error());
    return reply;
  }
  reply.status = res->status;
  for (const auto& [k, v] : res->headers) {
    std::string name = k;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = v;
  }
  reply.body = json::parse(res->body, nullptr, false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  return reply;
}

}  // namespace tierd::sim
