/*
 * The state behind a ResourceLocator: URI, selectors, options, fragment.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "session_cfg.h"

static void free_selectors(struct wsm_selector *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].name);
        free(s[i].value);
    }
    free(s);
}

static void free_options(struct wsm_option *o, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(o[i].name);
        free(o[i].value);
        free(o[i].type);
    }
    free(o);
}

void wsm_locator_clear_selectors(struct wsm_locator *l)
{
    free_selectors(l->selectors, l->n_selectors);
    l->selectors = NULL;
    l->n_selectors = 0;
}

void wsm_locator_clear_options(struct wsm_locator *l)
{
    free_options(l->options, l->n_options);
    l->options = NULL;
    l->n_options = 0;
}

void wsm_locator_free(struct wsm_locator *l)
{
    if (!l)
        return;
    free(l->uri);
    wsm_locator_clear_selectors(l);
    wsm_locator_clear_options(l);
    free(l->fragment_path);
    free(l->fragment_dialect);
    free(l);
}

static int dup_or_null(char **dst, const char *src)
{
    *dst = NULL;
    return !src || (*dst = wsm_strdup(src));
}

struct wsm_locator *wsm_locator_copy(const struct wsm_locator *l)
{
    struct wsm_locator *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->must_understand_options = l->must_understand_options;
    if (!dup_or_null(&c->uri, l->uri) || !dup_or_null(&c->fragment_path, l->fragment_path) ||
        !dup_or_null(&c->fragment_dialect, l->fragment_dialect))
        goto oom;
    if (l->n_selectors) {
        if (!(c->selectors = calloc(l->n_selectors, sizeof(*c->selectors))))
            goto oom;
        for (; c->n_selectors < l->n_selectors; c->n_selectors++) {
            const struct wsm_selector *s = &l->selectors[c->n_selectors];
            struct wsm_selector *d = &c->selectors[c->n_selectors];
            if (!(d->name = wsm_strdup(s->name)) || !(d->value = wsm_strdup(s->value))) {
                c->n_selectors++;
                goto oom;
            }
        }
    }
    if (l->n_options) {
        if (!(c->options = calloc(l->n_options, sizeof(*c->options))))
            goto oom;
        for (; c->n_options < l->n_options; c->n_options++) {
            const struct wsm_option *s = &l->options[c->n_options];
            struct wsm_option *d = &c->options[c->n_options];
            d->must_comply = s->must_comply;
            if (!(d->name = wsm_strdup(s->name)) || !dup_or_null(&d->value, s->value) ||
                !dup_or_null(&d->type, s->type)) {
                c->n_options++;
                goto oom;
            }
        }
    }
    return c;
oom:
    wsm_locator_free(c);
    return NULL;
}

static int blank(const char *s)
{
    if (!s)
        return 1;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

int32_t wsm_locator_add_selector(struct wsm_locator *l, const char *name, const char *value, char **detail)
{
    struct wsm_selector *grown;

    if (detail)
        *detail = NULL;
    if (blank(name)) {
        if (detail)
            *detail = wsm_strdup("A selector needs a name.");
        return ERROR_WSMAN_INVALID_SELECTOR_NAME;
    }
    for (size_t i = 0; i < l->n_selectors; i++) {
        if (!strcmp(l->selectors[i].name, name)) {
            if (detail)
                *detail = wsm_asprintf("The selector \"%s\" was already added.", name);
            return ERROR_WSMAN_DUPLICATE_SELECTORS;
        }
    }
    if (!(grown = realloc(l->selectors, (l->n_selectors + 1) * sizeof(*grown))))
        return WSM_E_OUTOFMEMORY;
    l->selectors = grown;
    grown += l->n_selectors;
    grown->name = wsm_strdup(name);
    grown->value = wsm_strdup(value ? value : "");
    if (!grown->name || !grown->value) {
        free(grown->name);
        free(grown->value);
        return WSM_E_OUTOFMEMORY;
    }
    l->n_selectors++;
    return WSM_S_OK;
}

int32_t wsm_locator_add_option(struct wsm_locator *l, const char *name, const char *value, int must_comply,
                               char **detail)
{
    struct wsm_option *grown;

    if (detail)
        *detail = NULL;
    if (blank(name)) {
        if (detail)
            *detail = wsm_strdup("An option needs a name.");
        return ERROR_WSMAN_OPTIONS_INVALID_NAME;
    }
    for (size_t i = 0; i < l->n_options; i++) {
        if (!strcmp(l->options[i].name, name)) {
            if (detail)
                *detail = wsm_asprintf("The option \"%s\" was already added.", name);
            return ERROR_WSMAN_INVALID_OPTIONS;
        }
    }
    if (!(grown = realloc(l->options, (l->n_options + 1) * sizeof(*grown))))
        return WSM_E_OUTOFMEMORY;
    l->options = grown;
    grown += l->n_options;
    grown->must_comply = !!must_comply;
    grown->name = wsm_strdup(name);
    grown->value = NULL;
    grown->type = NULL;
    if (!grown->name || !dup_or_null(&grown->value, value)) {
        free(grown->name);
        return WSM_E_OUTOFMEMORY;
    }
    l->n_options++;
    return WSM_S_OK;
}

int32_t wsm_locator_set_uri_text(struct wsm_locator *l, const char *text, char **detail)
{
    struct wsm_resource_uri parsed;
    int32_t hr;

    if (detail)
        *detail = NULL;
    if (blank(text)) {
        free(l->uri);
        l->uri = NULL;
        wsm_locator_clear_selectors(l);
        return WSM_S_OK;
    }
    if ((hr = wsm_parse_resource_uri(text, &parsed, detail)))
        return hr;
    free(l->uri);
    wsm_locator_clear_selectors(l);
    l->uri = parsed.uri;
    l->selectors = parsed.selectors;
    l->n_selectors = parsed.n_selectors;
    return WSM_S_OK;
}
