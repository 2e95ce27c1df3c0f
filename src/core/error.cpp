// error.cpp: SQLSTATE validation and packing for tviews::Error.
//
// Regime: pure C++ (no PostgreSQL headers).
#include "core/error.hpp"

namespace tviews {

namespace {
bool IsSqlStateChar(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); }
}  // namespace

bool SqlState::IsValid(std::string_view code) {
    if (code.size() != 5) return false;
    for (char c : code)
        if (!IsSqlStateChar(c)) return false;
    return true;
}

bool SqlState::Parse(std::string_view text, SqlState *out) {
    if (!IsValid(text)) return false;
    SqlState parsed;
    for (int i = 0; i < 5; i++) parsed.code_[i] = text[i];
    *out = parsed;
    return true;
}

int SqlState::Packed() const {
    // PGSIXBIT(ch) = ((ch) - '0') & 0x3F, six bits per character, first character lowest.
    int packed = 0;
    for (int i = 0; i < 5; i++) packed += ((code_[i] - '0') & 0x3F) << (6 * i);
    return packed;
}

bool SqlState::operator==(const SqlState &other) const {
    for (int i = 0; i < 5; i++)
        if (code_[i] != other.code_[i]) return false;
    return true;
}

}  // namespace tviews
