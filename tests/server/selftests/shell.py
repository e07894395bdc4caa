# SPDX-License-Identifier: MIT
"""Self-tests of the cmd shell resource (its own server, started with --allow-shell)."""

import base64
import os
import re
import shutil
import tempfile
import time

from .common import CONFIG, Client, NS, ServerProc, T, VERBOSE, check, expect_fault, run, sel
from .enum import split


RSP = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell'
SHELL_URI = RSP + '/cmd'
NS['rsp'] = RSP
SHELL_BODY = ('<rsp:Shell xmlns:rsp="%s"><rsp:InputStreams>stdin</rsp:InputStreams>'
              '<rsp:OutputStreams>stdout stderr</rsp:OutputStreams>{inner}</rsp:Shell>' % RSP)
SIG_TERMINATE = RSP + '/signal/terminate'
SIG_CTRL_C = RSP + '/signal/ctrl_c'


def shell_create(c, inner='', options=''):
    r = c.soap(SHELL_URI, T + 'Create', body=SHELL_BODY.format(inner=inner), extra=options)
    return r, r.text('//x:ResourceCreated/a:ReferenceParameters/w:SelectorSet/w:Selector[@Name="ShellId"]'
                     '/text()')


def shell_command(c, sid, command, *args, options=''):
    body = '<rsp:CommandLine xmlns:rsp="%s"><rsp:Command>%s</rsp:Command>%s</rsp:CommandLine>' % (
        RSP, xml_text(command), ''.join('<rsp:Arguments>%s</rsp:Arguments>' % xml_text(a) for a in args))
    r = c.soap(SHELL_URI, RSP + '/Command', body=body, extra=options + sel(ShellId=sid))
    return r, r.text('//rsp:CommandResponse/rsp:CommandId/text()')


def shell_send(c, sid, cid, data, end):
    body = ('<rsp:Send xmlns:rsp="%s"><rsp:Stream Name="stdin" CommandId="%s"%s>%s</rsp:Stream></rsp:Send>'
            % (RSP, cid, ' End="true"' if end else '', base64.b64encode(data).decode()))
    return c.soap(SHELL_URI, RSP + '/Send', body=body, extra=sel(ShellId=sid))


def shell_receive(c, sid, cid, timeout='PT20S', maxenv=512000, streams='stdout stderr'):
    body = ('<rsp:Receive xmlns:rsp="%s"><rsp:DesiredStream CommandId="%s">%s</rsp:DesiredStream>'
            '</rsp:Receive>' % (RSP, cid, streams))
    return c.soap(SHELL_URI, RSP + '/Receive', body=body, extra=sel(ShellId=sid), timeout=timeout,
                  maxenv=maxenv)


def shell_signal(c, sid, cid, code):
    body = '<rsp:Signal xmlns:rsp="%s" CommandId="%s"><rsp:Code>%s</rsp:Code></rsp:Signal>' % (RSP, cid, code)
    return c.soap(SHELL_URI, RSP + '/Signal', body=body, extra=sel(ShellId=sid))


def shell_delete(c, sid):
    return c.soap(SHELL_URI, T + 'Delete', extra=sel(ShellId=sid))


def receive_stdout_until(c, sid, cid, suffix, tries=100):
    """Receives the command's stdout until it ends with suffix (or a fault, or `tries` replies)."""
    got = b''
    for _ in range(tries):
        r = shell_receive(c, sid, cid)
        if r.fault():
            break
        got += b''.join(base64.b64decode(s.text or '') for s in r.xp('//rsp:Stream[@Name="stdout"]'))
        if got.endswith(suffix):
            break
    return got


def xml_text(s):
    return s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


class Received:
    def __init__(self):
        self.out, self.err = b'', b''
        self.order = []             # stream names of the data chunks, in document order
        self.exit = None
        self.replies = 0
        self.timeouts = 0
        self.running = 0            # replies with CommandState Running
        self.last = None            # the Done reply
        self.max_bytes = 0
        self.error = None


def receive_all(c, sid, cid, timeout='PT20S', maxenv=512000, limit_s=60):
    """Receives until CommandState Done; w:TimedOut faults are polled again (as clients do)."""
    got = Received()
    deadline = time.time() + limit_s
    while time.time() < deadline:
        r = shell_receive(c, sid, cid, timeout, maxenv)
        got.replies += 1
        got.max_bytes = max(got.max_bytes, len(r.data))
        f = r.fault()
        if f is not None:
            if f[0] == 'w:TimedOut':
                got.timeouts += 1
                continue
            got.error = f
            return got
        for st in r.xp('/s:Envelope/s:Body/rsp:ReceiveResponse/rsp:Stream'):
            if st.get('CommandId') != cid:
                got.error = 'stream of another command: %s' % st.get('CommandId')
                return got
            data = base64.b64decode(st.text or '')
            if st.get('End') == 'true':
                if data:
                    got.error = 'data in an End stream'
                continue
            if len(data) > 65536:
                got.error = 'a stream chunk of %d bytes' % len(data)
            got.order.append(st.get('Name'))
            if st.get('Name') == 'stdout':
                got.out += data
            else:
                got.err += data
        state = r.text('//rsp:CommandState/@State')
        if state == RSP + '/CommandState/Done':
            got.exit = int(r.text('//rsp:CommandState/rsp:ExitCode/text()'))
            got.last = r
            return got
        got.running += state == RSP + '/CommandState/Running'
    got.error = 'no Done within %d s' % limit_s
    return got


def group_alive(pgid):
    """True while a (non-zombie) process of process group pgid exists."""
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != 'Z':
            return True
    return False


def wait_group_gone(pgid, wait=10.0):
    deadline = time.time() + wait
    while group_alive(pgid):
        if time.time() > deadline:
            return False
        time.sleep(0.05)
    return True


def t_shell_disabled(srv, c):
    r, sid = shell_create(c)
    expect_fault('shell: not enabled without --allow-shell → AccessDenied', r, 'w:AccessDenied', 2150859180)
    check('shell: not enabled message names --allow-shell', '--allow-shell' in
          (r.text('//f:WSManFault/f:Message/text()') or ''))
    r = c.soap(CONFIG + '/winrs', T + 'Get')
    check('shell: winrs AllowRemoteShellAccess false without --allow-shell',
          r.text('//*[local-name()="AllowRemoteShellAccess"]/text()') == 'false')


def t_shell_lifecycle(srv, c, work):
    opts = ('<w:OptionSet s:mustUnderstand="true"><w:Option Name="WINRS_NOPROFILE" MustComply="true">TRUE'
            '</w:Option><w:Option Name="WINRS_CODEPAGE">65001</w:Option></w:OptionSet>')
    inner = ('<rsp:WorkingDirectory>%s</rsp:WorkingDirectory><rsp:Environment><rsp:Variable Name="WSM_VAR">'
             'a &lt;b&gt; &amp; "c"</rsp:Variable></rsp:Environment><rsp:IdleTimeOut>PT600S</rsp:IdleTimeOut>'
             % work)
    r, sid = shell_create(c, inner, opts)
    check('shell: Create → 200 with a ShellId selector',
          r.status == 200 and sid and re.match(r'^[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}$', sid),
          r.data[:600])
    check('shell: CreateResponse action', r.text('//a:Action/text()') == T + 'CreateResponse')
    check('shell: EPR names the cmd resource',
          r.text('//x:ResourceCreated/a:ReferenceParameters/w:ResourceURI/text()') == SHELL_URI and
          r.text('//x:ResourceCreated/a:Address/text()') == 'http://127.0.0.1:5985/wsman')
    check('shell: rsp:Shell follows x:ResourceCreated',
          [split(e.tag) for e in r.xp('/s:Envelope/s:Body/*')] == ['ResourceCreated', 'Shell'] and
          r.text('//rsp:Shell/rsp:ShellId/text()') == sid and
          r.text('//rsp:Shell/rsp:ResourceUri/text()') == SHELL_URI and
          r.text('//rsp:Shell/rsp:Owner/text()') == 'wsmuser' and
          r.text('//rsp:Shell/rsp:ClientIP/text()') == '127.0.0.1' and
          r.text('//rsp:Shell/rsp:WorkingDirectory/text()') == work and
          r.text('//rsp:Shell/rsp:IdleTimeOut/text()') == 'PT600.000S' and
          r.text('//rsp:Shell/rsp:InputStreams/text()') == 'stdin' and
          r.text('//rsp:Shell/rsp:OutputStreams/text()') == 'stdout stderr' and
          r.text('//rsp:Shell/rsp:ShellRunTime/text()') == 'P0DT0H0M0S' and
          r.text('//rsp:Shell/rsp:Environment/rsp:Variable[@Name="WSM_VAR"]/text()') == 'a <b> & "c"',
          r.data[-900:])
    r = c.soap(SHELL_URI, T + 'Get', extra=sel(ShellId=sid))
    check('shell: Get → bare rsp:Shell', r.status == 200 and r.xp('/s:Envelope/s:Body/rsp:Shell') and
          r.text('//rsp:ShellId/text()') == sid)
    r = c.soap(SHELL_URI, T + 'Get', extra=sel(ShellId='uuid:' + sid.lower()))
    check('shell: ShellId with uuid: prefix, any case', r.status == 200)

    # A command with output, the shell's directory and environment.
    r, cid = shell_command(c, sid, 'echo', 'hello;', 'pwd;', 'printf "%s\\n" "$WSM_VAR"')
    check('shell: Command → CommandResponse/CommandId',
          r.status == 200 and r.text('//a:Action/text()') == RSP + '/CommandResponse' and
          cid and re.match(r'^[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}$', cid), r.data[-400:])
    got = receive_all(c, sid, cid)
    check('shell: Receive until Done: stdout, cwd, environment, exit 0',
          got.error is None and got.out == ('hello\n%s\na <b> & "c"\n' % work).encode() and got.err == b'' and
          got.exit == 0, (got.error, got.out, got.err, got.exit))
    last = got.last
    check('shell: the Done reply ends both streams and carries the ExitCode',
          last is not None and last.text('//a:Action/text()') == RSP + '/ReceiveResponse' and
          [(s.get('Name'), s.get('End')) for s in last.xp('//rsp:Stream[@End]')] ==
          [('stdout', 'true'), ('stderr', 'true')] and
          last.text('//rsp:CommandState/@CommandId') == cid)
    got2 = receive_all(c, sid, cid)
    check('shell: Receive after Done says Done again', got2.error is None and got2.exit == 0 and
          got2.out == b'' and got2.replies == 1)
    r = shell_signal(c, sid, cid, SIG_TERMINATE)
    check('shell: Signal terminate after Done → SignalResponse',
          r.status == 200 and r.xp('/s:Envelope/s:Body/rsp:SignalResponse') and
          r.text('//a:Action/text()') == RSP + '/SignalResponse')
    r = shell_receive(c, sid, cid)
    expect_fault('shell: Receive of a terminated command → InvalidSelectors', r, 'w:InvalidSelectors',
                 2150858843, 'UnexpectedSelectors')
    check('shell: unknown CommandId message like WinRM', 'command identifier that does not exist' in
          (r.text('//f:Message/text()') or ''))

    # Non-zero exit, stderr, both streams in order.
    r, cid = shell_command(c, sid, 'echo out1; echo oops >&2; exit 7')
    got = receive_all(c, sid, cid)
    check('shell: stderr and a non-zero exit code', got.error is None and got.out == b'out1\n' and
          got.err == b'oops\n' and got.exit == 7, (got.error, got.out, got.err, got.exit))
    shell_signal(c, sid, cid, SIG_TERMINATE)

    # A Receive for stdout alone is not held up by stderr; the stderr output waits for a Receive that asks.
    r, cid = shell_command(c, sid, 'echo a; echo b >&2')
    out = b''
    for _ in range(100):
        r = shell_receive(c, sid, cid, streams='stdout')
        out += b''.join(base64.b64decode(st.text or '') for st in r.xp('//rsp:Stream[not(@End)]'))
        if r.text('//rsp:CommandState/@State') == RSP + '/CommandState/Done':
            break
    check('shell: Receive of stdout alone ends with Done and only the stdout End',
          out == b'a\n' and [(x.get('Name'), x.get('End')) for x in r.xp('//rsp:Stream[@End]')] ==
          [('stdout', 'true')] and not r.xp('//rsp:Stream[@Name="stderr"]'), (out, r.data[-500:]))
    r = shell_receive(c, sid, cid, streams='stderr')
    check('shell: the stderr output waited for a Receive that asks for it',
          b''.join(base64.b64decode(st.text or '') for st in r.xp('//rsp:Stream[@Name="stderr"]')) == b'b\n' and
          r.text('//rsp:CommandState/@State') == RSP + '/CommandState/Done', r.data[-500:])
    shell_signal(c, sid, cid, SIG_TERMINATE)

    # stdin through Send.
    r, cid = shell_command(c, sid, 'tr', 'a-z', 'A-Z')
    r = shell_send(c, sid, cid, b'hello ', False)
    check('shell: Send → SendResponse', r.status == 200 and r.xp('/s:Envelope/s:Body/rsp:SendResponse') and
          r.text('//a:Action/text()') == RSP + '/SendResponse', r.data[-300:])
    r = shell_send(c, sid, cid, b'world\n', True)
    got = receive_all(c, sid, cid)
    check('shell: Send End="true" closes stdin; the input arrives', got.error is None and
          got.out == b'HELLO WORLD\n' and got.exit == 0, (got.error, got.out, got.exit))
    r = shell_send(c, sid, cid, b'more', False)
    expect_fault('shell: Send after End → InvalidParameter 87', r, 'w:InvalidParameter', 87, 'InvalidValue')
    shell_signal(c, sid, cid, SIG_TERMINATE)

    # A Receive with nothing to say times out exactly as WinRM's does; then terminate kills the process group.
    r, cid = shell_command(c, sid, 'echo $$; sleep 100; echo never')
    got = receive_stdout_until(c, sid, cid, b'\n')
    pgid = int(got) if got.strip().isdigit() else 0
    check('shell: the command runs in a process group of its own', pgid > 0 and group_alive(pgid), got)
    t0 = time.time()
    r = shell_receive(c, sid, cid, timeout='PT0.300S')
    expect_fault('shell: Receive without output → w:TimedOut', r, 'w:TimedOut', 2150858793)
    check('shell: TimedOut like WinRM (Receiver, reason, message, wsman fault action)',
          r.text('//s:Fault/s:Code/s:Value/text()') == 's:Receiver' and
          r.text('//s:Reason/s:Text/text()') == 'The WS-Management service cannot complete the operation '
          'within the time specified in OperationTimeout.  ' and
          r.text('//f:Message/text()') == r.text('//s:Reason/s:Text/text()') and
          r.text('//a:Action/text()') == 'http://schemas.dmtf.org/wbem/wsman/1/wsman/fault')
    if VERBOSE:
        print('     (TimedOut after %.2f s)' % (time.time() - t0))
    r = shell_signal(c, sid, cid, SIG_TERMINATE)
    check('shell: Signal terminate of a running command → SignalResponse', r.status == 200)
    check('shell: terminate killed the whole process group', pgid > 0 and wait_group_gone(pgid))

    # ctrl_c: SIGINT to the group.
    r, cid = shell_command(c, sid, "trap 'echo INT; exit 3' INT; echo ready; while :; do sleep 0.05; done")
    receive_stdout_until(c, sid, cid, b'ready\n')
    r = shell_signal(c, sid, cid, SIG_CTRL_C)
    check('shell: Signal ctrl_c → SignalResponse', r.status == 200)
    got = receive_all(c, sid, cid)
    check('shell: ctrl_c reaches the command as SIGINT', got.error is None and got.out == b'INT\n' and
          got.exit == 3, (got.error, got.out, got.exit))
    r = shell_signal(c, sid, cid, RSP + '/signal/bogus')
    expect_fault('shell: unknown signal code → InvalidParameter', r, 'w:InvalidParameter', 87)
    shell_signal(c, sid, cid, SIG_TERMINATE)

    # Large output in order, every reply within MaxEnvelopeSize, chunks of at most 64 KiB.
    r, cid = shell_command(c, sid, 'seq', '1', '150000')
    got = receive_all(c, sid, cid, maxenv=153600)
    want = ''.join('%d\n' % i for i in range(1, 150001)).encode()
    check('shell: large output arrives complete and in order', got.error is None and got.out == want and
          got.exit == 0, (got.error, len(got.out), got.exit))
    check('shell: every reply fits MaxEnvelopeSize', 0 < got.max_bytes <= 153600, got.max_bytes)
    if VERBOSE:
        print('     (%d bytes in %d replies)' % (len(got.out), got.replies))
    shell_signal(c, sid, cid, SIG_TERMINATE)

    # WINRS_SKIP_CMD_SHELL: run without /bin/sh.
    skip = '<w:OptionSet><w:Option Name="WINRS_SKIP_CMD_SHELL">TRUE</w:Option></w:OptionSet>'
    r, cid = shell_command(c, sid, '/bin/echo', '$HOME', options=skip)
    got = receive_all(c, sid, cid)
    check('shell: WINRS_SKIP_CMD_SHELL runs the command without a shell', got.out == b'$HOME\n', got.out)
    r, cid = shell_command(c, sid, '/no/such/program', options=skip)
    expect_fault('shell: missing program without the shell → InternalError 0x80070002', r, 'w:InternalError',
                 2147942402)
    r, cid = shell_command(c, sid, 'exit 0', options='<w:OptionSet s:mustUnderstand="true"><w:Option '
                           'Name="WINRS_CONSOLEMODE_STDIN">TRUE</w:Option><w:Option '
                           'Name="WINRS_SKIP_CMD_SHELL">FALSE</w:Option></w:OptionSet>')
    check('shell: winrs Command options accepted', r.status == 200 and cid)
    r, _ = shell_command(c, sid, 'true', options='<w:OptionSet><w:Option Name="WINRS_BOGUS" '
                         'MustComply="true">1</w:Option></w:OptionSet>')
    expect_fault('shell: unknown MustComply option → InvalidOptions', r, 'w:InvalidOptions', 2150858809)

    # Delete kills what still runs and forgets the shell.
    r, cid = shell_command(c, sid, 'echo $$; exec sleep 100')
    got = receive_stdout_until(c, sid, cid, b'\n')
    pgid = int(got) if got.strip().isdigit() else 0
    r = shell_delete(c, sid)
    check('shell: Delete → empty DeleteResponse', r.status == 200 and
          r.text('//a:Action/text()') == T + 'DeleteResponse' and not r.xp('/s:Envelope/s:Body/*'))
    check('shell: Delete killed the running command', pgid > 0 and wait_group_gone(pgid))
    for name, r in (('Receive', shell_receive(c, sid, cid)), ('Delete', shell_delete(c, sid)),
                    ('Command', shell_command(c, sid, 'true')[0]),
                    ('Get', c.soap(SHELL_URI, T + 'Get', extra=sel(ShellId=sid)))):
        expect_fault('shell: %s of a deleted shell → InvalidSelectors' % name, r, 'w:InvalidSelectors',
                     2150858843, 'UnexpectedSelectors')
    check('shell: shell-not-found message like WinRM',
          (r.text('//f:Message/text()') or '').startswith(
              'The request for the Windows Remote Shell with ShellId %s failed because the shell was not '
              'found on the server.' % sid))
    r = c.soap(SHELL_URI, RSP + '/Command', body='<rsp:CommandLine xmlns:rsp="%s"><rsp:Command>true'
               '</rsp:Command></rsp:CommandLine>' % RSP)
    expect_fault('shell: Command without ShellId → InvalidSelectors', r, 'w:InvalidSelectors', 2150858843,
                 'InsufficientSelectors')
    r = c.soap(SHELL_URI, T + 'Put', body=SHELL_BODY.format(inner=''), extra=sel(ShellId=sid))
    expect_fault('shell: Put → ActionNotSupported', r, 'a:ActionNotSupported', 2150858771)

    # A bad working directory fails the Command like WinRM (ERROR_DIRECTORY).
    r, sid = shell_create(c, '<rsp:WorkingDirectory>/no/such/dir</rsp:WorkingDirectory>')
    r, cid = shell_command(c, sid, 'true')
    expect_fault('shell: bad WorkingDirectory → InternalError 0x8007010B', r, 'w:InternalError', 2147942667)
    shell_delete(c, sid)
    r = c.soap(SHELL_URI, T + 'Create', body='<rsp:Other xmlns:rsp="%s"/>' % RSP)
    expect_fault('shell: Create body not rsp:Shell → InvalidRepresentation', r, 'x:InvalidRepresentation',
                 2150858773)

    # The quota: 64 shells.
    sids = []
    for _ in range(64):
        r, s = shell_create(c)
        if s:
            sids.append(s)
    r, s = shell_create(c)
    check('shell: 64 shells fit', len(sids) == 64)
    expect_fault('shell: the 65th shell → QuotaLimit', r, 'w:QuotaLimit', 2150859173)
    for s in sids:
        shell_delete(c, s)
    r, s = shell_create(c)
    check('shell: room again after Delete', r.status == 200 and s)
    shell_delete(c, s)

    lines = srv.log_lines()
    check('shell: the log shows the shell actions', all(any(('action=' + a) in ln for ln in lines)
                                                        for a in (RSP + '/Command', RSP + '/Receive',
                                                                  RSP + '/Send', RSP + '/Signal',
                                                                  T + 'Delete')))


def t_shell():
    work = tempfile.mkdtemp(prefix='wsmshell-')
    srv = ServerProc('--auth', 'basic', '--allow-shell')
    c = Client(srv.port)
    pgid = 0
    try:
        run('shell-lifecycle', t_shell_lifecycle, srv, c, work)
        r = c.soap(CONFIG + '/winrs', T + 'Get')
        check('shell: winrs AllowRemoteShellAccess true with --allow-shell',
              r.text('//*[local-name()="AllowRemoteShellAccess"]/text()') == 'true')
        # A command still running when the server stops dies with it.
        r, sid = shell_create(c)
        r, cid = shell_command(c, sid, 'echo $$; exec sleep 100')
        got = receive_stdout_until(c, sid, cid, b'\n')
        pgid = int(got) if got.strip().isdigit() else 0
        err = [ln for ln in open(srv.log).read().splitlines() if ln.startswith('error')]
        check('shell: no internal errors logged', not err, err[:2])
    finally:
        c.close()
        rc, out = srv.stop()
        shutil.rmtree(work, ignore_errors=True)
    check('shell: clean exit', rc == 0 and out == b'', (rc, out[:300]))
    check('shell: commands die with the server', pgid > 0 and wait_group_gone(pgid))
