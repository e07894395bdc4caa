/*
 * wsmanctl exec (exec.h): a remote command through the cmd shell resource,
 * the way winrs drives it — Create a shell, Command, Receive until the
 * command is Done, Signal terminate, Delete — using only the public
 * WSMAN.Automation API (Session.Create/Invoke/Delete). Request bodies are
 * built and replies parsed with libxml2, so arguments holding <, & or
 * non-ASCII text travel escaped and come back as they were.
 *
 * Interruption: the caller's stop flag is looked at before each request, and a request that fails while it
 * is set (the CLI's signal handler cancels the requests in flight with WSManAutoCancelRequests) ends the run
 * as interrupted. The clean-up requests that follow (Signal ctrl_c, Signal terminate, Delete) go out on their
 * own, new requests not affected by that cancellation, and share a budget of CLEANUP_BUDGET_MS: a timer
 * cancels whichever is still in flight when it runs out, and the ones not sent by then are left out.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base64.h"
#include "names.h"
#include "strutil.h"
#include "utf.h"
#include "xmlsafe.h"
#include "wsmerror.h"
#include "exec.h"
#include "input.h"
#include "wsmauto_cancel.h"

/* The largest reply cli_exec parses (a Receive reply is bounded by MaxEnvelopeSize, 500 KB by default). */
#define MAX_REPLY (64u << 20)

/* After an interruption, the time the clean-up requests have together (from when the run saw the stop). */
#define CLEANUP_BUDGET_MS 1500

/* One run: the shell and command once they exist. */
struct run {
    IWSManEx3 *wsman;
    IWSManSession *session;
    IWSManResourceLocator *shell_loc;   /* the cmd resource with the ShellId selector */
    IWSManResourceLocator *command_loc; /* the same plus winrs's Command options */
    char *shell_id;
    char *command_id;
    FILE *out, *err;
};

static HRESULT out_of_memory(struct cli_failure *f)
{
    return cli_failure_text(f, E_OUTOFMEMORY, "Out of memory.");
}

/* Puts "<step>: " in front of the failure's text, so the one line says which step failed. Returns hr. */
static HRESULT failed_step(struct cli_failure *f, HRESULT hr, const char *step)
{
    char *text;

    if (f && asprintf(&text, "%s: %s", step, f->text ? f->text : "The operation failed.") >= 0) {
        free(f->text);
        f->text = text;
    }
    return hr;
}

/* A failure of the CLI's own with printf-style text. Returns hr. */
static HRESULT fail(struct cli_failure *f, HRESULT hr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static HRESULT fail(struct cli_failure *f, HRESULT hr, const char *fmt, ...)
{
    va_list ap;
    char *text;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return out_of_memory(f);
    cli_failure_text(f, hr, text);
    free(text);
    return hr;
}

/* ---- the words of the command line ---- */

/* 0 when s is well-formed UTF-8 made only of characters XML 1.0 can carry; else the offending code point
 * (or 0xFFFFFFFF for a malformed sequence). */
static uint32_t bad_xml_char(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), k;

    for (size_t i = 0; i < n; i += k) {
        uint32_t c;

        if (!(k = wsm_utf8_char(s + i, n - i, &c)))
            return 0xFFFFFFFFu;
        if ((c < 0x20 && c != 0x9 && c != 0xA && c != 0xD) || c == 0xFFFE || c == 0xFFFF)
            return c;
    }
    return 0;
}

static HRESULT check_words(char *const *argv, int argc, struct cli_failure *f)
{
    if (!argv || argc < 1 || !argv[0] || !argv[0][0])
        return fail(f, E_INVALIDARG, "No command to run.");
    for (int i = 0; i < argc; i++) {
        uint32_t bad;

        if (!argv[i])
            return fail(f, E_INVALIDARG, "Word %d of the command is missing.", i + 1);
        if ((bad = bad_xml_char(argv[i])) == 0xFFFFFFFFu)
            return fail(f, E_INVALIDARG, "Word %d of the command is not valid UTF-8 text.", i + 1);
        if (bad)
            return fail(f, E_INVALIDARG,
                        "Word %d of the command holds the control character U+%04X, which XML cannot carry.",
                        i + 1, (unsigned)bad);
    }
    return S_OK;
}

/* ---- request bodies (libxml2 escapes the text) ---- */

/* A document whose root is rsp:<name>. */
static xmlDocPtr new_body(const char *name, xmlNodePtr *root, xmlNsPtr *ns)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");

    *root = NULL;
    *ns = NULL;
    if (!doc)
        return NULL;
    if (!(*root = xmlNewDocNode(doc, NULL, BAD_CAST name, NULL)) ||
        !(*ns = xmlNewNs(*root, BAD_CAST WSM_NS_SHELL, BAD_CAST "rsp"))) {
        xmlFreeNode(*root);
        xmlFreeDoc(doc);
        return NULL;
    }
    xmlSetNs(*root, *ns);
    xmlDocSetRootElement(doc, *root);
    return doc;
}

/* The root element as text (no XML declaration), malloc'd; frees doc. NULL when out of memory (or doc is). */
static char *finish_body(xmlDocPtr doc, int ok)
{
    xmlBufferPtr buf;
    char *text = NULL;

    if (!doc)
        return NULL;
    if (ok && (buf = xmlBufferCreate())) {
        if (xmlNodeDump(buf, doc, xmlDocGetRootElement(doc), 0, 0) >= 0 && xmlBufferContent(buf))
            text = strdup((const char *)xmlBufferContent(buf));
        xmlBufferFree(buf);
    }
    xmlFreeDoc(doc);
    return text;
}

static char *shell_body(void)
{
    xmlNodePtr root;
    xmlNsPtr ns;
    xmlDocPtr doc = new_body("Shell", &root, &ns);

    return finish_body(doc,
                       doc && xmlNewTextChild(root, ns, BAD_CAST "InputStreams", BAD_CAST "stdin") &&
                           xmlNewTextChild(root, ns, BAD_CAST "OutputStreams", BAD_CAST "stdout stderr"));
}

static char *command_body(char *const *argv, int argc)
{
    xmlNodePtr root;
    xmlNsPtr ns;
    xmlDocPtr doc = new_body("CommandLine", &root, &ns);
    int ok = doc && xmlNewTextChild(root, ns, BAD_CAST "Command", BAD_CAST argv[0]);

    for (int i = 1; ok && i < argc; i++)
        ok = xmlNewTextChild(root, ns, BAD_CAST "Arguments", BAD_CAST argv[i]) != NULL;
    return finish_body(doc, ok);
}

static char *receive_body(const char *command_id)
{
    xmlNodePtr root, stream;
    xmlNsPtr ns;
    xmlDocPtr doc = new_body("Receive", &root, &ns);
    int ok = doc &&
             (stream = xmlNewTextChild(root, ns, BAD_CAST "DesiredStream", BAD_CAST "stdout stderr")) &&
             xmlNewProp(stream, BAD_CAST "CommandId", BAD_CAST command_id);

    return finish_body(doc, ok);
}

static char *signal_body(const char *command_id, const char *code)
{
    xmlNodePtr root;
    xmlNsPtr ns;
    xmlDocPtr doc = new_body("Signal", &root, &ns);
    int ok = doc && xmlNewProp(root, BAD_CAST "CommandId", BAD_CAST command_id) &&
             xmlNewTextChild(root, ns, BAD_CAST "Code", BAD_CAST code);

    return finish_body(doc, ok);
}

/* An empty stdin chunk with End="true": the command reads end of file. */
static char *stdin_end_body(const char *command_id)
{
    xmlNodePtr root, stream;
    xmlNsPtr ns;
    xmlDocPtr doc = new_body("Send", &root, &ns);
    int ok = doc && (stream = xmlNewTextChild(root, ns, BAD_CAST "Stream", BAD_CAST "")) &&
             xmlNewProp(stream, BAD_CAST "Name", BAD_CAST "stdin") &&
             xmlNewProp(stream, BAD_CAST "CommandId", BAD_CAST command_id) &&
             xmlNewProp(stream, BAD_CAST "End", BAD_CAST "true");

    return finish_body(doc, ok);
}

/* ---- replies ---- */

/* Parses a reply element the library handed back; NULL when it is not well-formed (or has a DTD, which stops
 * the parse: no entity of any kind is ever expanded or fetched). */
static xmlDocPtr parse_reply(const char *xml)
{
    size_t len = xml ? strlen(xml) : 0;

    if (!len)
        return NULL;
    return wsm_xml_parse(xml, len, "UTF-8", XML_PARSE_NOCDATA, 0, MAX_REPLY, NULL);
}

static int is_elem(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           !strcmp((const char *)n->ns->href, ns) && !strcmp((const char *)n->name, name);
}

static xmlNodePtr child_elem(const xmlNode *parent, const char *ns, const char *name)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next) {
        if (is_elem(c, ns, name))
            return c;
    }
    return NULL;
}

/* The trimmed text of an element, malloc'd (NULL when out of memory). */
static char *trimmed_text(const xmlNode *n)
{
    xmlChar *content = xmlNodeGetContent(n);
    const char *s = content ? (const char *)content : "";
    size_t len;
    char *text;

    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
        len--;
    text = strndup(s, len);
    xmlFree(content);
    return text;
}

/* The ShellId selector of the x:ResourceCreated EPR (with or without "uuid:", any prefixes). */
static HRESULT find_shell_id(const char *epr, char **shell_id, struct cli_failure *f)
{
    xmlDocPtr doc = parse_reply(epr);
    xmlNodePtr sels =
        doc ? child_elem(child_elem(xmlDocGetRootElement(doc), WSM_NS_ADDRESSING, "ReferenceParameters"),
                         WSM_NS_WSMAN, "SelectorSet")
            : NULL;
    HRESULT hr = S_OK;

    *shell_id = NULL;
    for (xmlNodePtr s = sels ? sels->children : NULL; s && !*shell_id; s = s->next) {
        xmlChar *name;
        if (!is_elem(s, WSM_NS_WSMAN, "Selector") || !(name = xmlGetNoNsProp(s, BAD_CAST "Name")))
            continue;
        if (!wsm_strcasecmp_ascii((const char *)name, "ShellId") && !(*shell_id = trimmed_text(s)))
            hr = out_of_memory(f);
        xmlFree(name);
    }
    if (hr == S_OK && (!*shell_id || !**shell_id)) {
        free(*shell_id);
        *shell_id = NULL;
        hr = fail(f, ERROR_WSMAN_CREATE_RESPONSE_NO_EPR,
                  doc ? "Creating the shell: the reply's x:ResourceCreated has no ShellId selector."
                      : "Creating the shell: the reply's x:ResourceCreated is not well-formed XML.");
    }
    xmlFreeDoc(doc);
    return hr;
}

static HRESULT find_command_id(const char *reply, char **command_id, struct cli_failure *f)
{
    xmlDocPtr doc = parse_reply(reply);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL, id = NULL;
    HRESULT hr = S_OK;

    *command_id = NULL;
    if (is_elem(root, WSM_NS_SHELL, "CommandResponse"))
        id = child_elem(root, WSM_NS_SHELL, "CommandId");
    if (id && !(*command_id = trimmed_text(id)))
        hr = out_of_memory(f);
    else if (!*command_id || !**command_id) {
        free(*command_id);
        *command_id = NULL;
        hr = fail(f, ERROR_WSMAN_RESPONSE_NO_RESULTS,
                  "Starting the command: the reply holds no rsp:CommandResponse/rsp:CommandId.");
    }
    xmlFreeDoc(doc);
    return hr;
}

/* Writes one chunk and flushes it, so the output streams as it arrives. */
static int put_chunk(FILE *to, const unsigned char *data, long len)
{
    if (len > 0 && fwrite(data, 1, (size_t)len, to) != (size_t)len)
        return -1;
    return fflush(to) ? -1 : 0;
}

/* One ReceiveResponse: its stream chunks written in document order; *done and *exit_code from the
 * CommandState. Streams of other commands are skipped (a shell may run more than one). */
static HRESULT take_output(struct run *r, const char *reply, int *done, int *exit_code, int *write_failed,
                           struct cli_failure *f)
{
    xmlDocPtr doc = parse_reply(reply);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    HRESULT hr = S_OK;

    *done = 0;
    if (!is_elem(root, WSM_NS_SHELL, "ReceiveResponse")) {
        xmlFreeDoc(doc);
        return fail(f, ERROR_WSMAN_RESPONSE_NO_RESULTS, "Receiving the output: the reply %s.",
                    doc ? "holds no rsp:ReceiveResponse" : "is not well-formed XML");
    }
    for (xmlNodePtr n = root->children; n && hr == S_OK; n = n->next) {
        xmlChar *id = NULL, *name = NULL, *content = NULL, *state = NULL;

        if (is_elem(n, WSM_NS_SHELL, "Stream")) {
            unsigned char *data = NULL;
            long len = 0;

            id = xmlGetNoNsProp(n, BAD_CAST "CommandId");
            name = xmlGetNoNsProp(n, BAD_CAST "Name");
            if ((!id || !wsm_strcasecmp_ascii((const char *)id, r->command_id)) && name &&
                (!strcmp((const char *)name, "stdout") || !strcmp((const char *)name, "stderr"))) {
                content = xmlNodeGetContent(n);
                size_t clen = content ? strlen((const char *)content) : 0;
                if (clen && !(data = malloc(WSM_BASE64_DECODED_MAX(clen))))
                    hr = out_of_memory(f);
                else if (clen && (len = wsm_base64_decode_into((const char *)content, clen, data,
                                                               WSM_BASE64_LENIENT)) < 0)
                    hr = fail(f, ERROR_WSMAN_RESPONSE_NO_RESULTS,
                              "Receiving the output: an rsp:Stream (%s) is not base64.", (const char *)name);
                else if (clen &&
                         put_chunk(!strcmp((const char *)name, "stdout") ? r->out : r->err, data, len)) {
                    *write_failed = 1;
                    hr =
                        fail(f, E_FAIL, "Writing the command's %s: %s.", (const char *)name, strerror(errno));
                }
                free(data);
            }
        } else if (is_elem(n, WSM_NS_SHELL, "CommandState")) {
            id = xmlGetNoNsProp(n, BAD_CAST "CommandId");
            state = xmlGetNoNsProp(n, BAD_CAST "State");
            if ((!id || !wsm_strcasecmp_ascii((const char *)id, r->command_id)) && state &&
                !strcmp((const char *)state, WSM_URI_COMMAND_STATE_DONE)) {
                xmlNodePtr code = child_elem(n, WSM_NS_SHELL, "ExitCode");
                char *text = code ? trimmed_text(code) : NULL, *end = NULL;
                *done = 1;
                *exit_code = -1;
                if (text && *text) {
                    errno = 0;
                    long long v = strtoll(text, &end, 10);
                    /* A DWORD on Windows: 4294967295 is -1. */
                    if (!errno && !*end && v >= INT32_MIN && v <= (long long)UINT32_MAX)
                        *exit_code = (int)(int32_t)(uint32_t)v;
                } else if (code && !text) {
                    hr = out_of_memory(f);
                }
                free(text);
            }
        }
        xmlFree(id);
        xmlFree(name);
        xmlFree(content);
        xmlFree(state);
    }
    xmlFreeDoc(doc);
    return hr;
}

/* ---- the steps ---- */

static HRESULT invoke(struct run *r, const char *action, IWSManResourceLocator *loc, char *body,
                      char **result, struct cli_failure *f)
{
    HRESULT hr;

    *result = NULL;
    if (!body)
        return out_of_memory(f);
    hr = cli_session_invoke(r->session, action, loc, body, result, f);
    free(body);
    return hr;
}

static int stopped(volatile const int *stop)
{
    return stop && *stop;
}

static HRESULT interrupted(struct cli_failure *f)
{
    return cli_failure_text(f, HRESULT_FROM_WIN32(ERROR_CANCELLED), "Interrupted.");
}

/* ---- the clean-up requests ---- */

struct cleanup {
    volatile const int *stop;
    int limited;              /* the budget runs (the run was interrupted) */
    struct timespec deadline; /* CLOCK_MONOTONIC */
    int timer_running;
    pthread_t timer;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int finished; /* under lock: the clean-up is over, the timer can go */
};

static void timespec_add_ms(struct timespec *ts, long ms)
{
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Cancels the request in flight when the budget runs out before the clean-up is over. */
static void *budget_timer(void *arg)
{
    struct cleanup *c = arg;

    pthread_mutex_lock(&c->lock);
    while (!c->finished) {
        if (pthread_cond_timedwait(&c->cond, &c->lock, &c->deadline) == ETIMEDOUT) {
            if (!c->finished)
                WSManAutoCancelRequests();
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* Starts the budget (once): from now on the clean-up has CLEANUP_BUDGET_MS. */
static void start_budget(struct cleanup *c)
{
    pthread_condattr_t attr;

    if (c->limited)
        return;
    c->limited = 1;
    clock_gettime(CLOCK_MONOTONIC, &c->deadline);
    timespec_add_ms(&c->deadline, CLEANUP_BUDGET_MS);
    if (pthread_condattr_init(&attr))
        return;
    if (!pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) && !pthread_cond_init(&c->cond, &attr)) {
        if (pthread_mutex_init(&c->lock, NULL)) {
            pthread_cond_destroy(&c->cond);
        } else if (pthread_create(&c->timer, NULL, budget_timer, c)) {
            /* No timer: the budget still decides which requests are sent at all. */
            pthread_mutex_destroy(&c->lock);
            pthread_cond_destroy(&c->cond);
        } else {
            c->timer_running = 1;
        }
    }
    pthread_condattr_destroy(&attr);
}

static int budget_over(const struct cleanup *c)
{
    struct timespec now;

    if (!c->limited)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > c->deadline.tv_sec ||
           (now.tv_sec == c->deadline.tv_sec && now.tv_nsec >= c->deadline.tv_nsec);
}

static void end_cleanup(struct cleanup *c)
{
    if (!c->timer_running)
        return;
    pthread_mutex_lock(&c->lock);
    c->finished = 1;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->timer, NULL);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    c->timer_running = 0;
}

/* One clean-up request: Signal `code` to the command, or (code NULL) Delete of the shell. A request
 * cancelled in flight (an interruption during the clean-up cancels whatever is in flight) goes out once
 * more while the budget lasts; none goes out once it is over. */
static HRESULT cleanup_request(struct run *r, struct cleanup *c, const char *code, struct cli_failure *f)
{
    HRESULT hr = S_OK;

    if (code ? !r->command_id || !r->shell_loc : !r->shell_loc)
        return S_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        char *result = NULL;

        if (stopped(c->stop))
            start_budget(c);
        if (budget_over(c))
            return cli_failure_text(f, E_ABORT,
                                    "Left out: the time for cleaning up after the interruption ran out.");
        if (code)
            hr = invoke(r, WSM_ACTION_SHELL_SIGNAL, r->shell_loc, signal_body(r->command_id, code), &result,
                        f);
        else
            hr = cli_session_delete(r->session, r->shell_loc, f);
        free(result);
        if (hr != E_ABORT)
            break;
    }
    return hr;
}

/* Best effort: whether a Signal worked changes nothing that cli_exec reports. */
static void send_signal(struct run *r, struct cleanup *c, const char *code)
{
    struct cli_failure scratch = {0};

    cleanup_request(r, c, code, &scratch);
    cli_failure_clear(&scratch);
}

static HRESULT delete_shell(struct run *r, struct cleanup *c, struct cli_failure *f)
{
    HRESULT hr = cleanup_request(r, c, NULL, f);

    return FAILED(hr) ? failed_step(f, hr, "Deleting the shell") : hr;
}

static HRESULT create_shell(struct run *r, struct cli_failure *f)
{
    IWSManResourceLocator *loc = NULL;
    char *body = shell_body(), *epr = NULL;
    HRESULT hr;

    if (!body)
        return out_of_memory(f);
    /* What winrs sends: no user profile, output in UTF-8 (code page 65001). */
    if (FAILED(hr = cli_locator_create(r->wsman, NULL, WSM_URI_SHELL_CMD, &loc, f)) ||
        FAILED(hr = cli_locator_add_option(loc, "WINRS_NOPROFILE", "TRUE", 0, f)) ||
        FAILED(hr = cli_locator_add_option(loc, "WINRS_CODEPAGE", "65001", 0, f)) ||
        FAILED(hr = cli_session_create(r->session, loc, body, &epr, f)))
        failed_step(f, hr, "Creating the shell");
    else
        hr = find_shell_id(epr, &r->shell_id, f);
    if (loc)
        IWSManResourceLocator_Release(loc);
    free(body);
    free(epr);
    if (FAILED(hr))
        return hr;

    if (FAILED(hr = cli_locator_create(r->wsman, NULL, WSM_URI_SHELL_CMD, &r->shell_loc, f)) ||
        FAILED(hr = cli_locator_add_selector(r->shell_loc, "ShellId", r->shell_id, f)) ||
        FAILED(hr = cli_locator_create(r->wsman, NULL, WSM_URI_SHELL_CMD, &r->command_loc, f)) ||
        FAILED(hr = cli_locator_add_selector(r->command_loc, "ShellId", r->shell_id, f)) ||
        FAILED(hr = cli_locator_add_option(r->command_loc, "WINRS_CONSOLEMODE_STDIN", "TRUE", 0, f)) ||
        FAILED(hr = cli_locator_add_option(r->command_loc, "WINRS_SKIP_CMD_SHELL", "FALSE", 0, f)))
        failed_step(f, hr, "Addressing the shell");
    return hr;
}

static HRESULT start_command(struct run *r, char *const *argv, int argc, volatile const int *stop,
                             struct cli_failure *f)
{
    struct cli_failure scratch = {0};
    char *result = NULL;
    HRESULT hr = invoke(r, WSM_ACTION_SHELL_COMMAND, r->command_loc, command_body(argv, argc), &result, f);

    if (FAILED(hr)) {
        free(result);
        /* Interrupted in flight: the command may have started; deleting the shell ends it. */
        return stopped(stop) ? interrupted(f) : failed_step(f, hr, "Starting the command");
    }
    hr = find_command_id(result, &r->command_id, f);
    free(result);
    if (FAILED(hr) || stopped(stop))
        return FAILED(hr) ? hr : interrupted(f);
    /* Nothing is forwarded to the command's stdin: close it, so that a command reading it ends instead of
     * waiting for ever. A server that refuses this still runs the command, so the outcome is not checked. */
    invoke(r, WSM_ACTION_SHELL_SEND, r->shell_loc, stdin_end_body(r->command_id), &result, &scratch);
    free(result);
    cli_failure_clear(&scratch);
    return S_OK;
}

/* Receive until the command is Done. Returns S_OK with *exit_code, HRESULT_FROM_WIN32(ERROR_CANCELLED) when
 * stop became set, or the failure. */
static HRESULT receive_all(struct run *r, volatile const int *stop, int *exit_code, int *write_failed,
                           struct cli_failure *f)
{
    for (;;) {
        char *result = NULL;
        int done = 0;
        HRESULT hr;

        if (stopped(stop))
            return interrupted(f);
        hr = invoke(r, WSM_ACTION_SHELL_RECEIVE, r->shell_loc, receive_body(r->command_id), &result, f);
        if (FAILED(hr) && stopped(stop)) {
            /* Cancelled in flight (or failed anyway): the Receive is abandoned. */
            free(result);
            return interrupted(f);
        }
        if (hr == ERROR_WSMAN_OPERATION_TIMEDOUT) {
            /* No output within the OperationTimeout: the normal answer while a command is quiet. */
            free(result);
            cli_failure_clear(f);
            continue;
        }
        if (FAILED(hr)) {
            free(result);
            return failed_step(f, hr, "Receiving the output");
        }
        hr = take_output(r, result, &done, exit_code, write_failed, f);
        free(result);
        if (FAILED(hr) || done)
            return hr;
    }
}

HRESULT cli_exec(IWSManEx3 *wsman, IWSManSession *session, char *const *argv, int argc, FILE *out, FILE *err,
                 volatile const int *stop, int *remote_exit, struct cli_failure *f)
{
    struct run r = {.wsman = wsman, .session = session, .out = out, .err = err};
    struct cleanup c = {.stop = stop};
    int exit_code = -1, write_failed = 0;
    HRESULT hr;

    if (remote_exit)
        *remote_exit = -1;
    if (!wsman || !session || !out || !err || !remote_exit)
        return fail(f, E_INVALIDARG,
                    "cli_exec needs a WSMan object, a session, output streams and an exit code.");
    if (FAILED(hr = check_words(argv, argc, f)))
        return hr;

    if (FAILED(hr = create_shell(&r, f))) {
        /* Interrupted in flight: a shell may have been made whose ShellId never arrived; nothing to do. */
        if (stopped(stop))
            hr = interrupted(f);
        /* No ShellId: nothing to delete. With one (a locator failed afterwards) the shell still goes. */
        if (r.shell_id && r.shell_loc) {
            struct cli_failure scratch = {0};
            delete_shell(&r, &c, &scratch);
            cli_failure_clear(&scratch);
        }
        goto done;
    }
    if (stopped(stop))
        hr = interrupted(f);
    else if (SUCCEEDED(hr = start_command(&r, argv, argc, stop, f)))
        hr = receive_all(&r, stop, &exit_code, &write_failed, f);

    if (SUCCEEDED(hr)) {
        struct cli_failure del = {0};

        /* Done: winrs ends the command with terminate before it deletes the shell. */
        send_signal(&r, &c, WSM_URI_SIGNAL_TERMINATE);
        if (FAILED(delete_shell(&r, &c, &del))) {
            char *line = cli_failure_line(&del);
            fprintf(err, "wsmanctl: %s\n", line ? line : "Deleting the shell failed.");
            fflush(err);
            free(line);
        }
        cli_failure_clear(&del);
        *remote_exit = exit_code;
    } else {
        struct cli_failure scratch = {0};

        /* Interrupted (or the output cannot be written): ask the command to stop as a console would first. */
        if (hr == HRESULT_FROM_WIN32(ERROR_CANCELLED) || write_failed)
            send_signal(&r, &c, WSM_URI_SIGNAL_CTRL_C);
        send_signal(&r, &c, WSM_URI_SIGNAL_TERMINATE);
        delete_shell(&r, &c, &scratch);
        cli_failure_clear(&scratch);
    }

done:
    end_cleanup(&c);
    if (r.shell_loc)
        IWSManResourceLocator_Release(r.shell_loc);
    if (r.command_loc)
        IWSManResourceLocator_Release(r.command_loc);
    free(r.shell_id);
    free(r.command_id);
    return hr;
}
