/*
 * Every namespace, action and fixed URI of the wire protocol, in one place
 * ([MS-WSMV] 2.2.1, DSP0226, WS-Transfer, WS-Enumeration). Prefixes are the ones Windows uses, so
 * that requests we build diff cleanly against captures. The core and wsmanctl share it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_NAMES_H
#define WSMAUTO_NAMES_H

/* ---- namespaces and the prefixes Windows uses for them ---- */
#define WSM_NS_SOAP "http://www.w3.org/2003/05/soap-envelope"
#define WSM_PREFIX_SOAP "s"
#define WSM_NS_ADDRESSING "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define WSM_PREFIX_ADDRESSING "a"
#define WSM_NS_TRANSFER "http://schemas.xmlsoap.org/ws/2004/09/transfer"
#define WSM_PREFIX_TRANSFER "x"
#define WSM_NS_ENUMERATION "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
#define WSM_PREFIX_ENUMERATION "n"
#define WSM_NS_EVENTING "http://schemas.xmlsoap.org/ws/2004/08/eventing"
#define WSM_PREFIX_EVENTING "e"
#define WSM_NS_WSMAN "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
#define WSM_PREFIX_WSMAN "w"
#define WSM_NS_IDENTITY "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"
#define WSM_PREFIX_IDENTITY "wsmid"
#define WSM_NS_CIMBINDING "http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd"
#define WSM_PREFIX_CIMBINDING "b"
#define WSM_NS_CIM_COMMON "http://schemas.dmtf.org/wbem/wscim/1/common"
#define WSM_PREFIX_CIM_COMMON "cim"
#define WSM_NS_MS_WSMAN "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
#define WSM_PREFIX_MS_WSMAN "p"
#define WSM_NS_WSMAN_FAULT "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
#define WSM_PREFIX_WSMAN_FAULT "f"
#define WSM_NS_CONFIG "http://schemas.microsoft.com/wbem/wsman/1/config"
#define WSM_NS_SHELL "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
#define WSM_PREFIX_SHELL "rsp"
#define WSM_NS_MACHINE_ID "http://schemas.microsoft.com/wbem/wsman/1/machineid"
#define WSM_NS_XSD "http://www.w3.org/2001/XMLSchema"
#define WSM_NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
#define WSM_PREFIX_XSI "xsi"
#define WSM_NS_XML "http://www.w3.org/XML/1998/namespace"

/* ---- actions ---- */
#define WSM_ACTION_GET WSM_NS_TRANSFER "/Get"
#define WSM_ACTION_GET_RESPONSE WSM_NS_TRANSFER "/GetResponse"
#define WSM_ACTION_PUT WSM_NS_TRANSFER "/Put"
#define WSM_ACTION_PUT_RESPONSE WSM_NS_TRANSFER "/PutResponse"
#define WSM_ACTION_CREATE WSM_NS_TRANSFER "/Create"
#define WSM_ACTION_CREATE_RESPONSE WSM_NS_TRANSFER "/CreateResponse"
#define WSM_ACTION_DELETE WSM_NS_TRANSFER "/Delete"
#define WSM_ACTION_DELETE_RESPONSE WSM_NS_TRANSFER "/DeleteResponse"
#define WSM_ACTION_ENUMERATE WSM_NS_ENUMERATION "/Enumerate"
#define WSM_ACTION_ENUMERATE_RESPONSE WSM_NS_ENUMERATION "/EnumerateResponse"
#define WSM_ACTION_PULL WSM_NS_ENUMERATION "/Pull"
#define WSM_ACTION_PULL_RESPONSE WSM_NS_ENUMERATION "/PullResponse"
#define WSM_ACTION_RELEASE WSM_NS_ENUMERATION "/Release"
#define WSM_ACTION_RELEASE_RESPONSE WSM_NS_ENUMERATION "/ReleaseResponse"
/* Identify has no wsa:Action: the body element wsmid:Identify names it. */

#define WSM_ACTION_SHELL_COMMAND WSM_NS_SHELL "/Command"
#define WSM_ACTION_SHELL_RECEIVE WSM_NS_SHELL "/Receive"
#define WSM_ACTION_SHELL_SEND WSM_NS_SHELL "/Send"
#define WSM_ACTION_SHELL_SIGNAL WSM_NS_SHELL "/Signal"

/* Fault actions: informative only; a reply is a fault when it has s:Fault. */
#define WSM_ACTION_FAULT_WSMAN "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
#define WSM_ACTION_FAULT_ADDRESSING WSM_NS_ADDRESSING "/fault"
#define WSM_ACTION_FAULT_ENUMERATION WSM_NS_ENUMERATION "/fault"
#define WSM_ACTION_FAULT_TRANSFER WSM_NS_TRANSFER "/fault"

/* ---- other fixed URIs ---- */
#define WSM_URI_ANONYMOUS WSM_NS_ADDRESSING "/role/anonymous"
#define WSM_DIALECT_WQL "http://schemas.microsoft.com/wbem/wsman/1/WQL"
#define WSM_DIALECT_SELECTOR "http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter"
/* PowerShell's help spells the selector dialect with Microsoft's host; accepted, never sent. */
#define WSM_DIALECT_SELECTOR_MS "http://schemas.microsoft.com/wbem/wsman/1/wsman/SelectorFilter"
/* winrm.vbs spells it ".../AssociationFilter": compare case-insensitively. */
#define WSM_DIALECT_ASSOCIATION "http://schemas.dmtf.org/wbem/wsman/1/cimbinding/associationFilter"
#define WSM_DIALECT_XPATH "http://www.w3.org/TR/1999/REC-xpath-19991116"
#define WSM_DIALECT_CQL "http://schemas.dmtf.org/wbem/cql/1/dsp0202.pdf"
#define WSM_URI_FAULT_DETAIL "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/"
#define WSM_URI_SHELL_CMD WSM_NS_SHELL "/cmd"
#define WSM_URI_SIGNAL_TERMINATE WSM_NS_SHELL "/signal/terminate"
#define WSM_URI_SIGNAL_CTRL_C WSM_NS_SHELL "/signal/ctrl_c"
#define WSM_URI_COMMAND_STATE_DONE WSM_NS_SHELL "/CommandState/Done"

#endif
