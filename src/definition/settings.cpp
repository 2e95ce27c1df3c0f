// settings.cpp: see settings.hpp.
//
// Regime: PostgreSQL side, C-style.
#include "definition/settings.hpp"

extern "C" {
#include "utils/guc.h"
#include "lib/stringinfo.h"
}

#include <cstring>

namespace tviews::definition {

namespace {
const char *const kPinned[] = {"TimeZone", "DateStyle", "IntervalStyle", "extra_float_digits", "bytea_output"};
}

char *CapturePinnedSettings() {
    StringInfoData buf;
    initStringInfo(&buf);
    for (const char *name : kPinned) appendStringInfo(&buf, "%s=%s\n", name, GetConfigOptionByName(name, nullptr, false));
    return buf.data;
}

int ApplyPinnedSettings(const char *settings) {
    int level = NewGUCNestLevel();
    set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                      false);
    char *copy = pstrdup(settings);
    for (char *line = strtok(copy, "\n"); line != nullptr; line = strtok(nullptr, "\n")) {
        char *eq = strchr(line, '=');
        if (eq == nullptr) continue;
        *eq = '\0';
        const char *current = GetConfigOptionByName(line, nullptr, true);
        if (current != nullptr && strcmp(current, eq + 1) == 0) continue;
        set_config_option(line, eq + 1, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    }
    pfree(copy);
    return level;
}

}  // namespace tviews::definition
