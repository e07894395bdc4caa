/*
 * Enumeration state: the server's enumeration context and a FIFO of the
 * items of the current batch. Items are handed out as they arrive, so
 * memory stays bounded by one batch.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_ENUMSTATE_H
#define WSMAUTO_ENUMSTATE_H

#include <stddef.h>
#include <stdint.h>

struct wsm_locator;

struct wsm_enum_state {
    struct wsm_locator *target; /* the enumerated resource, for Pull and Release (owned) */
    char *context;              /* EnumerationContext, NULL once the server ended it */
    int end_of_sequence;        /* the server said EndOfSequence */
    int text_items;             /* items are laid out as winrm's text (wsm_text_layout), not XML */
    char **items;               /* ring buffer of items (XML, or text with text_items) */
    size_t head, count, capacity;
};

void wsm_enum_init(struct wsm_enum_state *e);
void wsm_enum_clear(struct wsm_enum_state *e);
/* Takes ownership of item on success; WSM_E_OUTOFMEMORY otherwise. */
int32_t wsm_enum_push(struct wsm_enum_state *e, char *item);
/* The oldest buffered item (caller frees), or NULL when none is buffered. */
char *wsm_enum_pop(struct wsm_enum_state *e);
/* No item buffered and none will come. */
int wsm_enum_at_end(const struct wsm_enum_state *e);

#endif
