/* Seed 003, Appendix 1, item 2: officials may not serve in one unit with their
 * close relatives — parents, children, adoptive parents and adopted children,
 * full and half siblings, grandparents, grandchildren — nor with spouses and
 * in-laws (the spouse's siblings, parents and children). */
#include "relatives.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *relation;
    bool close;
} RELATION_RULES[] = {
    {"parent", true},        {"child", true},          {"adoptive_parent", true},
    {"adopted_child", true}, {"sibling", true},        {"half_sibling", true},
    {"grandparent", true},   {"grandchild", true},     {"spouse", true},
    {"sibling_in_law", true}, {"parent_in_law", true}, {"child_in_law", true},
    {"other", false},
};

#define NRULES (sizeof RELATION_RULES / sizeof RELATION_RULES[0])

bool relatives_is_close(const char *relation)
{
    for (size_t i = 0; i < NRULES; i++)
        if (strcmp(RELATION_RULES[i].relation, relation) == 0)
            return RELATION_RULES[i].close;
    return false;
}

void relatives_close_array_literal(char *buf, size_t n)
{
    size_t o = (size_t)snprintf(buf, n, "{");
    for (size_t i = 0; i < NRULES && o < n; i++)
        if (RELATION_RULES[i].close)
            o += (size_t)snprintf(buf + o, n - o, "%s%s", o > 1 ? "," : "",
                                  RELATION_RULES[i].relation);
    if (o < n)
        snprintf(buf + o, n - o, "}");
}
