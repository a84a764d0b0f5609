// The TBB pipeline of one batch, shared by in-process and supervised runs.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "pipeline/source.h"
#include "veil/batch.h"

namespace veil::pipeline {

// Files being processed right now, for the worker's watchdog (per-file time limit).
class InFlight {
 public:
  void begin(std::uint64_t id, const InputFile& file);
  void end(std::uint64_t id);
  // The file that has been in flight longer than `limit`, if any.
  std::optional<InputFile> overdue(std::chrono::duration<double> limit) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::pair<std::chrono::steady_clock::time_point, InputFile>> files_;
};

// Events a worker sends its supervisor, one line each (see supervisor.cpp).
std::string event_line(char kind, const InputFile& file, const std::string& fields = {});

// Runs the pipeline over `source`. With `event_fd` >= 0, reports each file's start and end there.
BatchReport run_pipeline(const Deidentifier& worker, const BatchOptions& options, InputSource& source, int event_fd,
                         InFlight* in_flight);

bool stop_requested();

// Removes the temporaries a killed run left in the output tree (one walk of the tree).
void remove_stale_temporaries(const std::filesystem::path& output);

}  // namespace veil::pipeline
