/* Which declared relations make two employees "close relatives" under the
 * hospital anti-corruption policy (seed 003, Appendix 1 item 2). */
#ifndef PROBITY_RELATIVES_H
#define PROBITY_RELATIVES_H

#include <stdbool.h>
#include <stddef.h>

bool relatives_is_close(const char *relation);
/* Writes the close relations as a PostgreSQL text[] literal, e.g.
 * {parent,child}, into buf (truncated to n bytes). */
void relatives_close_array_literal(char *buf, size_t n);

#endif
