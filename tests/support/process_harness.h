// Test support for integration tests: real child processes on loopback.
//
// Subprocess starts a program (tierd, zendesk-sim, postgres) with its output
// sent to a log file, and kills it when it goes out of scope. TempDir is a
// directory removed at scope exit. free_loopback_port() picks a port that was
// free a moment ago and that no other test process on the machine picks
// while this one runs. wait_for_http() polls a URL until it
// answers 200.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tierd::testing {

class TempDir {
 public:
  TempDir();  // under $TMPDIR or /tmp
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

class Subprocess {
 public:
  // Starts argv[0] with the given extra environment; stdout and stderr go to
  // `log_path`. Throws std::runtime_error when the program cannot start.
  Subprocess(std::vector<std::string> argv, const std::map<std::string, std::string>& env,
             std::string log_path);
  ~Subprocess();  // SIGKILL if still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits for exit; returns the exit status (or 128+signal), nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();
  std::string log() const;  // the log file's content so far
  // Polls the log until it contains `text`; false on timeout.
  bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::string log_path_;
};

int free_loopback_port();
// Waits for a server's "listening on 127.0.0.1:PORT" line in its log and
// returns PORT; nullopt if it does not appear within `timeout`.
std::optional<int> wait_for_listening_port(const Subprocess& process, std::chrono::milliseconds timeout);
// Polls http://127.0.0.1:port/path until it answers `expected_status`.
bool wait_for_http(int port, const std::string& path, std::chrono::milliseconds timeout,
                   int expected_status = 200);
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

}  // namespace tierd::testing
