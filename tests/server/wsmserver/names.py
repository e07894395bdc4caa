# SPDX-License-Identifier: MIT
"""XML names, namespaces, actions and other constants of the protocol."""


NS_S = 'http://www.w3.org/2003/05/soap-envelope'
NS_S11 = 'http://schemas.xmlsoap.org/soap/envelope/'
NS_A = 'http://schemas.xmlsoap.org/ws/2004/08/addressing'
NS_X = 'http://schemas.xmlsoap.org/ws/2004/09/transfer'
NS_EV = 'http://schemas.xmlsoap.org/ws/2004/08/eventing'
NS_N = 'http://schemas.xmlsoap.org/ws/2004/09/enumeration'
NS_W = 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'
NS_P = 'http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd'
NS_B = 'http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd'
NS_WSMID = 'http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd'
NS_CIM = 'http://schemas.dmtf.org/wbem/wscim/1/common'
NS_XSI = 'http://www.w3.org/2001/XMLSchema-instance'
NS_F = 'http://schemas.microsoft.com/wbem/wsman/1/wsmanfault'
NS_CFG = 'http://schemas.microsoft.com/wbem/wsman/1/config'
NS_M = 'http://schemas.microsoft.com/wbem/wsman/1/machineid'
NS_ECHO = 'http://wsmauto.test/echo'
NS_WMIERR = 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError'

ANONYMOUS = NS_A + '/role/anonymous'
ACT_GET = NS_X + '/Get'
ACT_PUT = NS_X + '/Put'
ACT_CREATE = NS_X + '/Create'
ACT_DELETE = NS_X + '/Delete'
ACT_ENUMERATE = NS_N + '/Enumerate'
ACT_PULL = NS_N + '/Pull'
ACT_RELEASE = NS_N + '/Release'
FAULT_WSMAN = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/fault'
FAULT_ADDR = NS_A + '/fault'
FAULT_ENUM = NS_N + '/fault'
FAULT_TRANSFER = NS_X + '/fault'
FAULT_CIMB = 'http://schemas.dmtf.org/wbem/wsman/1/cimbinding/fault'
FAULT_DETAIL = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/'
DIALECT_WQL = 'http://schemas.microsoft.com/wbem/wsman/1/WQL'
DIALECT_SELECTOR = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter'
DIALECT_ASSOC = 'http://schemas.dmtf.org/wbem/wsman/1/cimbinding/associationFilter'
DIALECT_XPATH = 'http://www.w3.org/TR/1999/REC-xpath-19991116'
WMI_PREFIX = 'http://schemas.microsoft.com/wbem/wsman/1/wmi/'
CIMV2 = WMI_PREFIX + 'root/cimv2/'
DMTF_ALL = 'http://schemas.dmtf.org/wbem/wscim/1/*'
ECHO_URI = 'http://wsmauto.test/echo'
MISBEHAVE_PREFIX = 'http://wsmauto.test/misbehave/'
SECPROFILE = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/'
MUTUAL_AUTH = SECPROFILE + 'https/mutual'
PROTOCOL_VERSION = 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'
FLAVORS = ('windows', 'omi')         # --flavor: whose wire behaviour the server copies
OMI_VENDOR = 'Open Management Infrastructure'
OMI_VERSION = '1.0.8'


def qn(ns, local):
    return '{%s}%s' % (ns, local)


S_ENVELOPE, S_HEADER, S_BODY = qn(NS_S, 'Envelope'), qn(NS_S, 'Header'), qn(NS_S, 'Body')
S_MU, S_ROLE = qn(NS_S, 'mustUnderstand'), qn(NS_S, 'role')
A_TO, A_ACTION, A_MESSAGEID = qn(NS_A, 'To'), qn(NS_A, 'Action'), qn(NS_A, 'MessageID')
A_REPLYTO, A_FAULTTO, A_ADDRESS = qn(NS_A, 'ReplyTo'), qn(NS_A, 'FaultTo'), qn(NS_A, 'Address')
A_REFPARAMS, A_EPR = qn(NS_A, 'ReferenceParameters'), qn(NS_A, 'EndpointReference')
W_RESOURCEURI, W_SELECTORSET = qn(NS_W, 'ResourceURI'), qn(NS_W, 'SelectorSet')
W_SELECTOR = qn(NS_W, 'Selector')
W_OPTIONSET, W_OPTION = qn(NS_W, 'OptionSet'), qn(NS_W, 'Option')
W_MAXENV, W_TIMEOUT, W_LOCALE = qn(NS_W, 'MaxEnvelopeSize'), qn(NS_W, 'OperationTimeout'), qn(NS_W, 'Locale')
W_FRAGMENT, W_XMLFRAGMENT = qn(NS_W, 'FragmentTransfer'), qn(NS_W, 'XmlFragment')
W_TOTALREQ = qn(NS_W, 'RequestTotalItemsCountEstimate')
P_DATALOCALE = qn(NS_P, 'DataLocale')
XSI_NIL = qn(NS_XSI, 'nil')
WSMID_IDENTIFY = qn(NS_WSMID, 'Identify')

# Headers this server understands (a mustUnderstand="true" on anything else is a s:MustUnderstand fault).
KNOWN_HEADERS = frozenset([
    A_TO, A_ACTION, A_MESSAGEID, A_REPLYTO, A_FAULTTO, qn(NS_A, 'From'),
    W_RESOURCEURI, W_SELECTORSET, W_OPTIONSET, W_MAXENV, W_TIMEOUT, W_LOCALE, W_FRAGMENT, W_TOTALREQ,
    P_DATALOCALE, qn(NS_P, 'SessionId'), qn(NS_P, 'OperationID'), qn(NS_P, 'SequenceId'),
    qn(NS_P, 'ActivityId'), qn(NS_M, 'MachineID'),
])
SINGLE_HEADERS = (A_TO, A_ACTION, A_MESSAGEID, A_REPLYTO, W_RESOURCEURI, W_MAXENV, W_TIMEOUT, W_SELECTORSET,
                  W_OPTIONSET, W_FRAGMENT)
GENERIC_OPTIONS = frozenset(['wsmauto:delay_ms', 'wsmauto:echo'])

