// How a simulator program waits for its end: SIGTERM and SIGINT are blocked
// in every thread and taken synchronously, so no signal handler ever runs.
//
// block_stop_signals() first thing in main(), before any thread starts;
// wait_for_stop_signal() from the main thread.
#pragma once

#include <csignal>

namespace tierd::sim {

// Blocks SIGTERM and SIGINT (inherited by every later thread) and ignores
// SIGPIPE; returns the blocked set.
sigset_t block_stop_signals();
// Blocks until one of `signals` arrives; returns its number.
int wait_for_stop_signal(const sigset_t& signals);

}  // namespace tierd::sim
