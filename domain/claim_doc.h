/* The claim (требование/претензия) a debtor is sent (seed 004, 4.4): the
 * eight things it must state, in the debtor's language, as plain text or
 * HTML. Pure: the caller gathers the facts. */
#ifndef PROBITY_CLAIM_DOC_H
#define PROBITY_CLAIM_DOC_H

#include <stdbool.h>

#include "strbuf.h"

typedef struct {
    const char *number;          /* the claim's document number, or NULL */
    const char *date;            /* the day it was sent, YYYY-MM-DD */
    const char *administrator;   /* who claims */
    const char *debtor;          /* 1) the debtor */
    const char *debtor_address;
    const char *basis_document;  /* 2) the document the debt arises from */
    const char *basis_date;      /*    and its date */
    const char *overdue_from;    /* 3) the overdue period: first day overdue … */
    const char *overdue_to;      /*    … the claim's day */
    const char *principal;       /* 4) the overdue debt and the penalties, decimal text */
    const char *penalties;
    const char *fines;           /* 5) the fines */
    const char *total;           /*    what is owed now (after payments) */
    const char *currency;        /*    ISO 4217 */
    const char *pay_by;          /* 6) the last day to pay voluntarily */
    const char *payment_details; /* 7) where to pay */
    const char *officer;         /* 8) who prepared it, and a telephone */
    const char *officer_phone;   /*    (NULL: not known) */
} claim_doc_t;

/* Appends the claim in locale (mn, kk, ru, en; English for any other) to
 * out, as text, or as an HTML document with every value escaped. */
void claim_doc_render(const claim_doc_t *c, const char *locale, bool html, strbuf_t *out);

/* "105000.50" as the locale writes amounts: "105 000,50" (ru, kk, mn) or
 * "105,000.50" (en); anything else is copied as it is. */
void claim_doc_amount(const char *decimal, const char *locale, strbuf_t *out);

#endif
