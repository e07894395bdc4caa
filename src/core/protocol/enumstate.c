/*
 * Enumeration state (see enumstate.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "enumstate.h"
#include "session_cfg.h"

void wsm_enum_init(struct wsm_enum_state *e)
{
    memset(e, 0, sizeof(*e));
}

void wsm_enum_clear(struct wsm_enum_state *e)
{
    char *item;

    while ((item = wsm_enum_pop(e)))
        free(item);
    free(e->items);
    free(e->context);
    wsm_locator_free(e->target);
    wsm_enum_init(e);
}

int32_t wsm_enum_push(struct wsm_enum_state *e, char *item)
{
    if (e->count == e->capacity) {
        size_t capacity = e->capacity ? e->capacity * 2 : 16;
        char **grown = malloc(capacity * sizeof(*grown));
        if (!grown || capacity < e->capacity) {
            free(grown);
            return WSM_E_OUTOFMEMORY;
        }
        /* Unroll the ring into the new buffer, oldest first. */
        for (size_t i = 0; i < e->count; i++)
            grown[i] = e->items[(e->head + i) % e->capacity];
        free(e->items);
        e->items = grown;
        e->capacity = capacity;
        e->head = 0;
    }
    e->items[(e->head + e->count) % e->capacity] = item;
    e->count++;
    return WSM_S_OK;
}

char *wsm_enum_pop(struct wsm_enum_state *e)
{
    char *item;

    if (!e->count)
        return NULL;
    item = e->items[e->head];
    e->head = (e->head + 1) % e->capacity;
    e->count--;
    return item;
}

int wsm_enum_at_end(const struct wsm_enum_state *e)
{
    return e->end_of_sequence && !e->count;
}
