/* Content negotiation (RFC 9110 §12.5.1). */
#ifndef PROBITY_NEGOTIATE_H
#define PROBITY_NEGOTIATE_H

/* Which of the n media types offered ("text/csv", in the server's order of
 * preference) Accept prefers: each takes the q of the most specific range
 * naming it; the highest q above 0 wins, a tie going to the earlier one.
 * 0 when Accept is absent; -1 when nothing offered is acceptable. */
int http_negotiate(const char *accept, const char *const *media, int n);

#endif
