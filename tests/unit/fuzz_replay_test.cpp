// Replays every committed fuzz corpus (tests/fuzz/corpus/<target>/) through
// its target's entry point, so each input a fuzzing run kept, crashes found
// and fixed included, keeps passing the target's property checks.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "fuzz_targets.h"

namespace {

namespace fs = std::filesystem;

struct PropertyViolation : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void throw_violation(const char* file, int line, const char* condition) {
  throw PropertyViolation(std::string(file) + ":" + std::to_string(line) + ": " + condition);
}

std::vector<fs::path> corpus_files(const std::string& target) {
  std::vector<fs::path> files;
  const fs::path dir = fs::path(KEYAOS_FUZZ_CORPUS) / target;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("every fuzz target's committed corpus replays without a property violation", "[fuzz]") {
  const auto previous = keyaos::fuzz::set_failure_handler(throw_violation);
  const auto started = std::chrono::steady_clock::now();
  size_t total = 0;
  for (const auto& target : keyaos::fuzz::kTargets) {
    const std::vector<fs::path> files = corpus_files(target.name);
    INFO("target " << target.name);
    CHECK(files.size() >= 5);
    for (const fs::path& path : files) {
      const std::string bytes = read_bytes(path);
      INFO("input " << path.string());
      std::string violation;
      try {
        target.run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      } catch (const PropertyViolation& e) {
        violation = e.what();
      }
      CHECK(violation == "");
      ++total;
    }
  }
  keyaos::fuzz::set_failure_handler(previous);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  INFO("replayed " << total << " inputs in " << seconds << " s");
  CHECK(seconds < 5.0);
}
