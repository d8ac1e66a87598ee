#include "support/postgres_server.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace tierd::testing {
namespace {

constexpr const char* kDefaultBinDir = "/usr/lib/postgresql/15/bin";
constexpr const char* kRunuser = "/usr/sbin/runuser";
constexpr const char* kSuperuser = "tierd";

void chown_to(const std::string& path, const passwd& user) {
  if (::chown(path.c_str(), user.pw_uid, user.pw_gid) != 0) {
    throw std::runtime_error("PostgresServer: cannot chown " + path + " to postgres");
  }
}

}  // namespace

PostgresServer::PostgresServer() {
  const char* env_bin = std::getenv("TIERD_PG_BINDIR");
  bin_dir_ = env_bin && *env_bin ? env_bin : kDefaultBinDir;
  for (const char* tool : {"initdb", "pg_ctl", "createdb"}) {
    if (::access((bin_dir_ + "/" + tool).c_str(), X_OK) != 0) {
      throw std::runtime_error("PostgresServer: " + bin_dir_ + "/" + tool +
                               " not found: install the PostgreSQL 15 server (Debian package "
                               "`postgresql`) or set TIERD_PG_BINDIR");
    }
  }
  data_dir_ = dir_.file("data");
  socket_dir_ = dir_.file("sock");
  log_path_ = dir_.file("server.log");
  std::filesystem::create_directories(socket_dir_);

  as_postgres_user_ = ::geteuid() == 0;
  if (as_postgres_user_) {
    if (::access(kRunuser, X_OK) != 0) {
      throw std::runtime_error("PostgresServer: running as root needs runuser(1) at " +
                               std::string(kRunuser));
    }
    const passwd* user = ::getpwnam("postgres");
    if (user == nullptr) {
      throw std::runtime_error(
          "PostgresServer: tests run as root and PostgreSQL refuses root, but there is no "
          "`postgres` system user");
    }
    chown_to(dir_.path(), *user);
    chown_to(socket_dir_, *user);
  }

  int rc = run_tool({bin_dir_ + "/initdb", "-D", data_dir_, "-U", kSuperuser, "--auth=trust", "-E",
                     "UTF8", "--locale=C", "--no-sync"});
  if (rc != 0) {
    throw std::runtime_error("PostgresServer: initdb failed (exit " + std::to_string(rc) + "):\n" +
                             log_tail());
  }
  port_ = free_loopback_port();
  start();
  try {
    create_database("tierd_test");
  } catch (...) {
    stop();  // the destructor does not run for a constructor that throws
    throw;
  }
}

PostgresServer::~PostgresServer() {
  stop();
}

void PostgresServer::start() {
  if (running_) return;
  std::string options = "-p " + std::to_string(port_) + " -k " + socket_dir_ +
                        " -c listen_addresses=127.0.0.1 -c fsync=off";
  int rc = run_tool({bin_dir_ + "/pg_ctl", "-D", data_dir_, "-l", log_path_, "-w", "-t", "60", "-o",
                     options, "start"});
  if (rc != 0) {
    throw std::runtime_error("PostgresServer: pg_ctl start failed (exit " + std::to_string(rc) +
                             "):\n" + log_tail());
  }
  running_ = true;
}

bool PostgresServer::stop() {
  if (!running_) return true;
  int rc =
      run_tool({bin_dir_ + "/pg_ctl", "-D", data_dir_, "-m", "fast", "-w", "-t", "60", "stop"});
  running_ = rc != 0;
  return !running_;
}

std::string PostgresServer::url_for(const std::string& database) const {
  return "postgresql://" + std::string(kSuperuser) + "@127.0.0.1:" + std::to_string(port_) + "/" +
         database;
}

std::string PostgresServer::create_database(const std::string& name) {
  int rc = run_tool({bin_dir_ + "/createdb", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U",
                     kSuperuser, name});
  if (rc != 0) {
    throw std::runtime_error("PostgresServer: createdb " + name + " failed (exit " +
                             std::to_string(rc) + "):\n" + log_tail());
  }
  return url_for(name);
}

int PostgresServer::run_tool(const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  if (as_postgres_user_) argv = {kRunuser, "-u", "postgres", "--"};
  argv.insert(argv.end(), args.begin(), args.end());
  // The tools' own output goes beside the server log, which pg_ctl writes as
  // the postgres user.
  Subprocess tool(argv, {{"LC_ALL", "C"}}, dir_.file("tools.log"));
  auto status = tool.wait(std::chrono::seconds(90));
  return status ? *status : -1;
}

std::string PostgresServer::log_tail() const {
  std::string text = read_file(dir_.file("tools.log")) + read_file(log_path_);
  constexpr size_t kTail = 4000;
  return text.size() > kTail ? text.substr(text.size() - kTail) : text;
}

PostgresServer& PostgresServer::shared() {
  static std::unique_ptr<PostgresServer> server;
  static std::string failure;
  if (server) return *server;
  if (!failure.empty()) throw std::runtime_error(failure);
  try {
    server = std::make_unique<PostgresServer>();
  } catch (const std::exception& e) {
    failure = e.what();
    throw;
  }
  return *server;
}

}  // namespace tierd::testing
