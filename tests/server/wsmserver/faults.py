# SPDX-License-Identifier: MIT
"""WinRM faults: error numbers, reason texts, the Fault exception and its constructors."""

from .names import FAULT_ADDR, FAULT_ENUM, FAULT_TRANSFER, FAULT_WSMAN


# WinRM error numbers (decimal, as they appear in f:WSManFault/@Code).
E_FAIL = 0x80004005
E_RESOURCE_NOT_FOUND = 0x80338000
E_VERSION_MISMATCH = 0x8033800D
E_INVALID_HEADER = 0x8033800F
E_MUST_UNDERSTAND = 0x80338010
E_HEADER_REQUIRED = 0x80338011
E_ACTION_NOT_SUPPORTED = 0x80338013
E_INVALID_REPRESENTATION = 0x80338015
E_FILTERING_NOT_SUPPORTED = 0x80338018
E_FILTER_DIALECT = 0x80338019
E_CANNOT_PROCESS_FILTER = 0x8033801A
E_INVALID_ENUM_CONTEXT = 0x8033801B
E_TIMED_OUT = 0x80338029
E_INVALID_BATCH = 0x8033802F
E_ALREADY_EXISTS = 0x80338033
E_ENCODING_LIMIT = 0x80338035
E_INVALID_OPTIONS = 0x80338039
E_INVALID_PARAMETER = 0x8033803A
E_SCHEMA_VALIDATION = 0x80338041
E_UNSUPPORTED_FEATURE = 0x80338042
E_MAX_ENVELOPE_EXCEEDED = 0x80338048
E_OPTIONS_INVALID_VALUE = 0x80338053
E_UNEXPECTED_SELECTORS = 0x8033805B
E_MIN_ENVELOPE_SIZE = 0x8033807E
E_ENUM_MODE_UNSUPPORTED = 0x80338086
E_FRAGMENT_DIALECT = 0x80338090
E_INVALID_FRAGMENT_PATH = 0x80338093
E_POLYMORPHISM_UNSUPPORTED = 0x80338137

# Reason texts (s:Reason), worded like WinRM's own (including its trailing space).
R_SELECTORS = ('The WS-Management service cannot process the request because the request contained invalid '
               'selectors for the resource. ')
R_UNREACHABLE = ('The WS-Management service cannot process the request. The service cannot find the resource '
                 'identified by the resource URI and selectors. ')
R_ACTION = ('The WS-Management service cannot process the request. The requested action is not supported by '
            'the service. ')
R_HEADER = ('The WS-Management service cannot process the request. The request contains one or more invalid '
            'SOAP headers. ')
R_HEADER_REQUIRED = ('The WS-Management service cannot process the request because a required SOAP header is '
                     'missing. ')
R_MUST_UNDERSTAND = ('The WS-Management service cannot process a SOAP header in the request that is marked '
                     'as mustUnderstand by the client.  This could be caused by the use of a version of the '
                     'protocol which is not supported, or may be an incompatibility  between the client and '
                     'server implementations. ')
R_UNSUPPORTED = ('The WS-Management service cannot process the request because it uses an unsupported '
                 'feature. ')
R_ENCODING = ('The WS-Management service cannot process the request because the envelope size or an encoding '
              'limit was exceeded. ')
R_TIMEDOUT = ('The WS-Management service cannot complete the operation within the time specified in '
              'OperationTimeout.  ')
R_OPTIONS = ('The WS-Management service cannot process the request because the request contained invalid '
             'options. ')
R_REPRESENTATION = ('The WS-Management service cannot process the request because the XML in the body does '
                    'not match the representation expected by the resource. ')
R_EXISTS = 'The WS-Management service cannot create the resource because it already exists. '
R_SCHEMA = ('The SOAP XML in the message does not match the corresponding XML schema definition. Change the '
            'XML and retry. ')
R_FILTER = ('The data source could not process the filter. The filter might be missing or it might be '
            'invalid. Change the filter and try the request again.  ')
R_DIALECT = ('The WS-Management service cannot process the request because the filter dialect is not '
             'supported. ')
R_FILTERING = ('The WS-Management service cannot process the request because the resource does not support '
               'filtering. ')
R_CONTEXT = ('The WS-Management service cannot process the request because the enumeration context is not '
             'valid. ')
R_PARAMETER = 'The parameter is incorrect. '
R_VERSION = 'The WS-Management service cannot process the request because the SOAP version is not supported. '
R_FRAGMENT_DIALECT = ('The WS-Management service cannot process the request because the fragment dialect is '
                      'not supported. ')
R_POLYMORPHISM = ('The WS-Management service cannot process the request because the polymorphism mode is not '
                  'supported. ')


class Fault(Exception):
    """A SOAP fault to send back (HTTP 500 unless status says otherwise)."""

    def __init__(self, subcode, reason, code, message, detail=None, action=FAULT_WSMAN, value='s:Sender',
                 extra_header='', subcode_nsmap=None):
        Exception.__init__(self, message)
        self.subcode, self.reason, self.code, self.message = subcode, reason, code, message
        self.detail, self.action, self.value = detail, action, value
        # extra_header: header elements (lxml) or XML text (envelope.split_headers); subcode_nsmap: namespace
        # declarations on the subcode's s:Value (for a prefix other than the envelope's)
        self.extra_header, self.subcode_nsmap = extra_header, subcode_nsmap


def f_selectors(msg, detail='UnexpectedSelectors'):
    return Fault('w:InvalidSelectors', R_SELECTORS, E_UNEXPECTED_SELECTORS, msg, detail)


def f_unreachable(msg):
    return Fault('a:DestinationUnreachable', R_UNREACHABLE, E_RESOURCE_NOT_FOUND, msg, 'InvalidResourceURI',
                 FAULT_ADDR)


def f_action(msg):
    return Fault('a:ActionNotSupported', R_ACTION, E_ACTION_NOT_SUPPORTED, msg, None, FAULT_ADDR)


def f_header(msg):
    return Fault('a:InvalidMessageInformationHeader', R_HEADER, E_INVALID_HEADER, msg, None, FAULT_ADDR)


def f_header_required(msg):
    return Fault('a:MessageInformationHeaderRequired', R_HEADER_REQUIRED, E_HEADER_REQUIRED, msg, None,
                 FAULT_ADDR)


def f_unsupported(msg, detail, code=E_UNSUPPORTED_FEATURE):
    return Fault('w:UnsupportedFeature', R_UNSUPPORTED, code, msg, detail)


def f_representation(msg):
    return Fault('x:InvalidRepresentation', R_REPRESENTATION, E_INVALID_REPRESENTATION, msg, None,
                 FAULT_TRANSFER)


def f_schema(msg):
    return Fault('w:SchemaValidationError', R_SCHEMA, E_SCHEMA_VALIDATION, msg)


def f_parameter(msg, code=E_INVALID_PARAMETER):
    return Fault('w:InvalidParameter', R_PARAMETER, code, msg, 'InvalidValue')


def f_options(msg, code=E_INVALID_OPTIONS):
    return Fault('w:InvalidOptions', R_OPTIONS, code, msg)


def f_filter(msg):
    return Fault('n:CannotProcessFilter', R_FILTER, E_CANNOT_PROCESS_FILTER, msg, None, FAULT_ENUM)


def f_context(msg):
    return Fault('n:InvalidEnumerationContext', R_CONTEXT, E_INVALID_ENUM_CONTEXT, msg, None, FAULT_ENUM,
                 's:Receiver')


def f_encoding(msg, code, detail='MaxEnvelopeSize'):
    return Fault('w:EncodingLimit', R_ENCODING, code, msg, detail)


def f_timedout(msg):
    return Fault('w:TimedOut', R_TIMEDOUT, E_TIMED_OUT, msg, None, FAULT_WSMAN, 's:Receiver')
