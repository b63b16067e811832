// SPDX-License-Identifier: GPL-2.0-or-later
// Replay runner for builds without libFuzzer: calls LLVMFuzzerTestOneInput on every regular file
// named on the command line or found (recursively, in sorted order) in the named directories.
// Exits 1 if a path does not exist or no input was found; a failing check traps.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

namespace {
bool run_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "replay: cannot open %s\n", p.c_str());
    return false;
  }
  std::vector<char> raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::uint8_t> bytes(raw.begin(), raw.end());
  // Copy into an exactly sized heap buffer so ASan catches any read past the end.
  auto* exact = new std::uint8_t[bytes.size() ? bytes.size() : 1];
  std::copy(bytes.begin(), bytes.end(), exact);
  LLVMFuzzerTestOneInput(exact, bytes.size());
  delete[] exact;
  return true;
}
}  // namespace

int main(int argc, char** argv) {
  std::size_t runs = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::recursive_directory_iterator(arg))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) runs += run_file(f) ? 1 : 0;
    } else if (fs::is_regular_file(arg, ec)) {
      runs += run_file(arg) ? 1 : 0;
    } else {
      std::fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
      return 1;
    }
  }
  std::printf("replay: %zu inputs executed\n", runs);
  return runs > 0 ? 0 : 1;
}
