/* Files compiled into the binary by storage/embed.cmake: the migrations and
 * the OpenAPI document, so a deployed probityd needs no data directory. */
#ifndef PROBITY_EMBEDDED_H
#define PROBITY_EMBEDDED_H

typedef struct {
    const char *name;
    const char *data;
    unsigned long len;
} embedded_file_t;

extern const embedded_file_t MIGRATION_FILES[];
extern const unsigned long MIGRATION_FILES_count;
extern const embedded_file_t OPENAPI_FILES[];
extern const unsigned long OPENAPI_FILES_count;

#endif
