/* SPDX-License-Identifier: Apache-2.0 */
/* avro_internal.h — the parsed Avro schema graph shared by avro_parse.c (building and
 * validating it), avro_print.c (canonical, normalized and resolved text) and avro_compat.c
 * (reader/writer compatibility). The graph may be cyclic (a record can refer to itself by
 * name), so every node is owned by its struct avro_schema and freed through its node list,
 * never by walking the graph. */
#ifndef AVRO_INTERNAL_H
#define AVRO_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "compat_internal.h"

enum avro_type {
    AVRO_NULL,
    AVRO_BOOLEAN,
    AVRO_INT,
    AVRO_LONG,
    AVRO_FLOAT,
    AVRO_DOUBLE,
    AVRO_BYTES,
    AVRO_STRING,
    AVRO_RECORD,
    AVRO_ENUM,
    AVRO_FIXED,
    AVRO_ARRAY,
    AVRO_MAP,
    AVRO_UNION,
};

enum avro_order { AVRO_ORDER_ASCENDING, AVRO_ORDER_DESCENDING, AVRO_ORDER_IGNORE };

/* A non-reserved attribute ("logicalType", "precision", "connect.name", ...), kept in
 * input order because Java prints them in insertion order. */
struct avro_prop {
    char *key;
    json_t *value; /* a reference owned by the prop */
};

struct avro_props {
    struct avro_prop *items;
    size_t count;
};

/* A hash index from a name to its position in an array the index does not own (fields,
 * enum symbols, named types), so that lookups stay O(1) on hostile, very wide schemas. */
struct avro_slot {
    const char *key; /* borrowed; NULL = empty slot */
    size_t pos;
};

struct avro_index {
    struct avro_slot *slots;
    size_t size; /* a power of two, or 0 */
    size_t used;
};

/* Adds key -> pos. Returns false (and changes nothing) when key is already present. */
bool avro_index_put(struct avro_index *ix, const char *key, size_t pos);
/* The position stored for key, or -1. */
long avro_index_get(const struct avro_index *ix, const char *key);
void avro_index_free(struct avro_index *ix);

struct avro_node;

struct avro_field {
    char *name;
    struct avro_node *type; /* borrowed from the schema's node list */
    char *doc;              /* NULL when absent */
    json_t *def;            /* owned reference; NULL = no default (JSON null is json_null()) */
    enum avro_order order;
    char **aliases; /* as written: field aliases are plain names */
    size_t naliases;
    struct avro_props props;
};

struct avro_node {
    enum avro_type type;
    size_t id; /* index in avro_schema.nodes, for per-walk visited flags */
    struct avro_props props;
    /* Named types (record, enum, fixed). */
    char *name;     /* the simple name */
    char *space;    /* NULL for the null namespace */
    char *fullname; /* space.name, or name */
    char *doc;
    char **aliases; /* full names, resolved against the type's namespace */
    size_t naliases;
    bool is_error;       /* a record declared with "type":"error" */
    bool from_reference; /* defined by a referenced schema, not by this one */
    /* A second definition of an already defined full name, kept only until it is compared
     * with the first (Avro 1.12 accepts an identical redefinition; see avro_parse.c). */
    struct avro_node *shadow_of;
    /* record */
    struct avro_field *fields;
    size_t nfields;
    struct avro_index field_index; /* field name -> position */
    bool fields_set;               /* false while the record's own fields are being parsed */
    /* enum */
    char **symbols;
    size_t nsymbols;
    struct avro_index symbol_index; /* symbol -> ordinal */
    char *enum_default;             /* NULL when absent */
    /* fixed */
    int64_t size;
    /* array items / map values */
    struct avro_node *items;
    /* union */
    struct avro_node **branches;
    size_t nbranches;
};

/* One parsed schema: the root plus ownership of every node (including those the
 * referenced schemas defined). */
struct avro_schema {
    struct avro_node *root;
    struct avro_node **nodes;
    size_t nnodes;
    size_t cap;
    /* Named types in definition order, for name lookup. */
    struct avro_node **named;
    size_t nnamed;
    size_t named_cap;
    struct avro_index named_index; /* full name -> position in named */
};

/* avro_parse.c */
/* Parses text (after each reference, in order) into a new schema; caller frees with
 * avro_schema_free(). NULL with err set to 42201 on invalid input. */
struct avro_schema *avro_schema_parse(const char *text, size_t len, const struct compat_ref *refs,
                                      size_t nrefs, unsigned flags, struct sr_error *err);
void avro_schema_free(struct avro_schema *schema);
const char *avro_type_name(enum avro_type type);
/* The value of the prop named key (borrowed, valid while the schema lives), or NULL. */
const json_t *avro_prop_get(const struct avro_props *props, const char *key);
bool avro_is_named(enum avro_type type);

/* avro_print.c */
enum avro_print_mode {
    AVRO_PRINT_CANONICAL,  /* Java Schema.toString(): referenced types by name */
    AVRO_PRINT_RESOLVED,   /* Java Schema.toString() with referenced types inlined at first use */
    AVRO_PRINT_NORMALIZED, /* Confluent normalize(): full names, sorted props (see avro_print.c) */
};
/* Appends the schema text in the given mode to out. Returns 0, or -1 with err set when
 * the graph is deeper than COMPAT_MAX_DEPTH allows to print. */
int avro_print(const struct avro_schema *schema, enum avro_print_mode mode, struct sr_buf *out,
               struct sr_error *err);
/* Appends a JSON value the way Jackson prints a tree (compact, Java number format). */
void avro_print_json(struct sr_buf *out, const json_t *value);
/* Appends a JSON string literal escaped as Jackson does. */
void avro_print_string(struct sr_buf *out, const char *s);
/* Appends d as Java's Double.toString() would render it. */
void avro_print_double(struct sr_buf *out, double d);

/* avro_compat.c */
int avro_can_read(const struct avro_schema *reader, const struct avro_schema *writer,
                  struct compat_result *res, struct sr_error *err);
/* The same check between two nodes (of the same or different schemas): *ok tells whether
 * `reader` reads everything `writer` wrote. Returns 0, or -1 with err set (too deep). */
int avro_nodes_can_read(const struct avro_node *reader, const struct avro_node *writer, bool *ok,
                        struct sr_error *err);
/* Avro's promotions between different kinds: int->long->float->double, string<->bytes.
 * True when a `reader` of one kind reads what a `writer` of the other wrote. */
bool avro_is_promotion(enum avro_type writer, enum avro_type reader);
/* Avro's name match of a reader named type against a writer one: the unqualified names,
 * then the reader's aliases against the writer's full name. */
bool avro_names_match(const struct avro_node *reader, const struct avro_node *writer);

/* avro_diff.c */
/* compat_diff() for Avro: every change from old to new. */
int avro_diff(const struct avro_schema *old, const struct avro_schema *new, struct compat_changes *out,
              struct sr_error *err);

#endif
