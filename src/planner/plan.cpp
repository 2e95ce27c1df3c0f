// plan.cpp: queries over a RefreshPlan used by the runtime to classify source changes.
//
// Regime: pure C++.
#include "planner/plan.hpp"

#include <algorithm>

namespace tviews::planner {

namespace {
void AddUnique(std::vector<int> *v, int x) {
    if (std::find(v->begin(), v->end(), x) == v->end()) v->push_back(x);
}
bool Reads(const std::vector<Input> &inputs, int node, const std::vector<int> &attnos) {
    for (const Input &in : inputs) {
        if (in.node != node) continue;
        if (in.attno == 0) return true;  // whole row
        if (std::find(attnos.begin(), attnos.end(), in.attno) != attnos.end()) return true;
    }
    return false;
}
}  // namespace

std::vector<int> RefreshPlan::StructuralAttnos(int node) const {
    std::vector<int> out;
    if (nodes[node].parent >= 0)
        for (int a : nodes[node].key_attnos) AddUnique(&out, a);
    for (int child : nodes[node].children)
        for (int a : nodes[child].parent_attnos) AddUnique(&out, a);
    if (node == 0)
        for (int a : root_key) AddUnique(&out, a);
    for (const Predicate &p : predicates)
        if (p.scope == 0)
            for (const Input &in : p.inputs)
                if (in.node == node) AddUnique(&out, in.attno);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<int> RefreshPlan::UsedAttnos(int node) const {
    std::vector<int> out = StructuralAttnos(node);
    for (const Predicate &p : predicates)
        for (const Input &in : p.inputs)
            if (in.node == node) AddUnique(&out, in.attno);
    for (const Column &c : columns)
        for (const Input &in : c.inputs)
            if (in.node == node) AddUnique(&out, in.attno);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<int> RefreshPlan::LeavesReading(int node, const std::vector<int> &attnos) const {
    std::vector<int> out;
    for (size_t i = 0; i < leaves.size(); i++)
        if (Reads(leaves[i].inputs, node, attnos)) out.push_back(static_cast<int>(i));
    return out;
}

}  // namespace tviews::planner
