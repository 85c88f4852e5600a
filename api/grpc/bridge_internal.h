/* What the two halves of the bridge share: bridge.c (the method table, the
 * REST request a call stands for, the calls' jobs on the pool) and
 * bridge_answer.c (REST's answer as the call's message or status). Private
 * to them; the server sees bridge.h. */
#ifndef PROBITY_GRPC_BRIDGE_INTERNAL_H
#define PROBITY_GRPC_BRIDGE_INTERNAL_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../domain/registry.h"
#include "../http/server.h"
#include "grpc_server.h"

/* What a method's answer becomes. */
typedef enum {
    OUT_MESSAGE, /* the JSON as the output message */
    OUT_LIST,    /* {items, next_cursor} as {items, next_page_token} */
    OUT_EMPTY,   /* 204: google.protobuf.Empty */
    OUT_RAW,     /* a document: {content_type, body, ...} from the head and the bytes */
} bridge_out_t;

typedef enum { K_GET, K_LIST, K_CREATE, K_UPDATE, K_DELETE, K_ACTION } bridge_kind_t;

/* An action of actions.proto (bridge.c: ACTIONS). */
typedef struct bridge_action bridge_action_t;

/* A method of the table, the argument of its handler. */
typedef struct {
    char path[160];
    bridge_kind_t kind;
    bridge_out_t out;
    const ProtobufCMethodDescriptor *md;
    const entity_t *entity;                /* entity methods */
    const ProtobufCFieldDescriptor *inner; /* Create, Update: the entity message field */
    const bridge_action_t *action;         /* K_ACTION */
    const char *accept;
} bridge_method_t;

/* A success answer turned into the call's message: the packed bytes, or
 * why not; and an api key's token, which goes out as metadata. */
typedef struct {
    bool done;
    uint8_t *packed;
    size_t plen;
    char *token;
    char why[300];
} converted_t;

/* bridge.c */
/* The field of d named name, or NULL. */
const ProtobufCFieldDescriptor *bridge_field_named(const ProtobufCMessageDescriptor *d,
                                                   const char *name);
/* The request field that names REST's paging parameter param (limit: page_size), or NULL. */
const char *bridge_paging_field(const char *param);

/* bridge_answer.c */
/* REST's answer to r as the call's answer; pre: the success converted on the worker, or NULL. */
void bridge_answer(grpc_call_t *call, const bridge_method_t *bm, const http_req_t *r,
                   const char *body, size_t len, const converted_t *pre);
/* REST's JSON success as the output message, into *c; on the worker (touches no call). */
void bridge_convert_answer(const bridge_method_t *bm, const char *body, size_t len, converted_t *c);
/* Frees what a converted_t holds (not c itself). */
void bridge_converted_free(converted_t *c);
/* Ends the call INVALID_ARGUMENT, with a BadRequest naming field when there is one. */
void bridge_finish_invalid(grpc_call_t *call, const char *message, const char *field);
/* Ends the call INTERNAL for an answer that could not be converted, and logs why. */
void bridge_finish_internal(grpc_call_t *call, const bridge_method_t *bm, const char *why);

#endif
