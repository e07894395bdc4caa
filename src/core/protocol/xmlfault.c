/*
 * The WSManFault XML that the Error properties return for failures the
 * client itself detects ([MS-WSMV] 2.2.4.43; Session.Error, Microsoft Learn),
 * built with the libxml2 tree API.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "names.h"
#include "session_cfg.h"

static char *serialize_element(xmlNodePtr node)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlSaveCtxtPtr save;
    char *out = NULL;

    if (!buf)
        return NULL;
    save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_NO_DECL | XML_SAVE_AS_XML);
    if (save) {
        int saved = xmlSaveTree(save, node) >= 0;
        if (xmlSaveClose(save) >= 0 && saved)
            out = wsm_strdup((const char *)xmlBufferContent(buf));
    }
    xmlBufferFree(buf);
    return out;
}

char *wsm_fault_xml(uint32_t code, const char *machine, const char *message)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root;
    xmlNsPtr ns, xml_ns;
    char number[16];
    char *out = NULL;

    if (!doc)
        return NULL;
    snprintf(number, sizeof(number), "%u", (unsigned)code);
    if (!(root = xmlNewDocNode(doc, NULL, BAD_CAST "WSManFault", NULL)))
        goto done;
    xmlDocSetRootElement(doc, root);
    if (!(ns = xmlNewNs(root, BAD_CAST WSM_NS_WSMAN_FAULT, BAD_CAST WSM_PREFIX_WSMAN_FAULT)))
        goto done;
    xmlSetNs(root, ns);
    xml_ns = xmlSearchNs(doc, root, BAD_CAST "xml");
    if (!xmlNewProp(root, BAD_CAST "Code", BAD_CAST number) ||
        !xmlNewProp(root, BAD_CAST "Machine", BAD_CAST(machine ? machine : "")) || !xml_ns ||
        !xmlNewNsProp(root, xml_ns, BAD_CAST "lang", BAD_CAST "en-US"))
        goto done;
    /* xmlNewTextChild escapes the text; the message is user-visible data. */
    if (!xmlNewTextChild(root, ns, BAD_CAST "Message", BAD_CAST(message ? message : "")))
        goto done;
    out = serialize_element(root);
done:
    xmlFreeDoc(doc);
    return out;
}
