// A small blocking HTTP client for talking to a running simulator from tests
// and tools: the control API (/sim/...) and, with credentials, the vendor's
// API. Every call answers a SimReply; transport failures give
// status -1 and `error` set. Not a substitute for tierd's API client.
//
// One instance per thread (it wraps one keep-alive connection).
#pragma once

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace httplib {
class Client;
}

namespace tierd::sim {

struct SimReply {
  int status = -1;
  nlohmann::json body;                         // null when the answer was not JSON
  std::map<std::string, std::string> headers;  // names lower-case
  std::string error;                           // transport error text when status == -1
  std::string header(const std::string& lower_name) const;
};

class SimClient {
 public:
  explicit SimClient(int port, const std::string& host = "127.0.0.1");
  ~SimClient();
  SimClient(const SimClient&) = delete;
  SimClient& operator=(const SimClient&) = delete;

  // Adds "Authorization: Basic base64(email/token:token)" to later calls.
  void use_token(const std::string& email, const std::string& token);
  // Adds "Authorization: Basic base64(user:password)" to later calls.
  void use_basic(const std::string& user, const std::string& password);
  void use_bearer(const std::string& token);
  void clear_auth();
  void set_read_timeout_ms(int ms);

  SimReply get(const std::string& path_and_query);
  SimReply post(const std::string& path, const nlohmann::json& body);
  SimReply put(const std::string& path, const nlohmann::json& body);
  SimReply patch(const std::string& path, const nlohmann::json& body);
  SimReply del(const std::string& path, const nlohmann::json& body = nullptr);

 private:
  SimReply send(const std::string& method, const std::string& path, const nlohmann::json& body);

  std::unique_ptr<httplib::Client> client_;
  std::string authorization_;
};

}  // namespace tierd::sim
