// checker_fuzz.cpp: libFuzzer target for pg_tviews_check. Any text, read as SQL files (schema
// and TVIEW definitions) and as a JSON document, must give an answer: a parse error, verdicts,
// or a JSON error, never a crash, a hang, or a sanitizer report. Built and run by
// scripts/fuzz-checker.sh (briefly in make test, longer with make fuzz).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "checker/front_end.hpp"
#include "checker/json.hpp"
#include "planner/planner.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string text(reinterpret_cast<const char *>(data), size);
    try {
        (void)tviews::checker::ParseJson(text);
    } catch (const std::runtime_error &) {
    }
    if (text.find('\0') != std::string::npos) return 0;  // SQL text never holds NUL
    tviews::checker::CheckedFiles files = tviews::checker::ReadFiles({{"fuzz.sql", text}});
    for (const auto &def : files.tviews)
        if (def.problems.empty()) (void)tviews::planner::BuildPlan(def.shape);
    return 0;
}
