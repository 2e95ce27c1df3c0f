// planner.hpp: from a QueryShape to a RefreshPlan, or the reason the definition is refused.
//
// Regime: pure C++. These are the maintainability rules of tview-semantics.md ("Shapes the engine
// maintains incrementally"), in one place for the server and the offline checker.
#pragma once

#include "planner/plan.hpp"
#include "planner/shape.hpp"

namespace tviews::planner {

PlanResult BuildPlan(const QueryShape &shape);

// Whether a function of PostgreSQL itself gives results that depend on time, the session or
// chance even though it is not volatile (now(), current_user, current_setting(), ...).
bool IsSessionDependent(const std::string &function_name);

}  // namespace tviews::planner
