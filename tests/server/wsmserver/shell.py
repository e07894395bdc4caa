# SPDX-License-Identifier: MIT
"""Windows Remote Shell (cmd): runs real commands on this machine, only with --allow-shell."""

import base64
import binascii
import os
import re
import signal
import subprocess
import threading
import time
import uuid

from .names import ANONYMOUS, FAULT_WSMAN, qn
from .faults import (
    E_FAIL, E_OPTIONS_INVALID_VALUE, Fault, R_TIMEDOUT, f_options, f_parameter, f_representation,
    f_selectors, f_timedout)
from .xmlutil import children, esc, esc_attr, parse_duration_ms, text_of
from .resources import Resource
from .envelope import render_reply


NS_RSP = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell'
SHELL_CMD_URI = NS_RSP + '/cmd'
ACT_SHELL_COMMAND = NS_RSP + '/Command'
ACT_SHELL_RECEIVE = NS_RSP + '/Receive'
ACT_SHELL_SEND = NS_RSP + '/Send'
ACT_SHELL_SIGNAL = NS_RSP + '/Signal'
STATE_DONE = NS_RSP + '/CommandState/Done'
STATE_RUNNING = NS_RSP + '/CommandState/Running'
SIGNAL_TERMINATE = NS_RSP + '/signal/terminate'
SIGNAL_CTRL_C = NS_RSP + '/signal/ctrl_c'
SIGNAL_CTRL_BREAK = NS_RSP + '/signal/ctrl_break'
SIGNAL_PS_CTRL_C = 'powershell/signal/ctrl_c'
SHELL_OPTIONS = frozenset(['WINRS_NOPROFILE', 'WINRS_CODEPAGE', 'WINRS_CONSOLEMODE_STDIN',
                           'WINRS_SKIP_CMD_SHELL', 'WSMAN_CMDSHELL_OPTION_KEEPALIVE'])
MAX_SHELLS = 64
SHELL_CHUNK = 65536             # decoded bytes per rsp:Stream element, as WinRM
SHELL_BUFFER_CAP = 1 << 20      # per stream: beyond this the pipe is not read (flow control, like WinRM)
SHELL_IDLE_DEFAULT_MS = 7200000
SHELL_IDLE_MIN_MS = 60000       # Windows treats smaller IdleTimeOut values as 60 s
SHELL_EOF_GRACE_S = 2.0         # after the process exits: how long a background child may hold the pipes
E_REMOTESHELLS_NOT_ALLOWED = 0x803381AC
E_QUOTA_MAX_SHELLS = 0x803381A5
E_WIN32_INVALID_PARAMETER = 87
E_FILE_NOT_FOUND = 0x80070002
E_DIRECTORY_INVALID = 0x8007010B
E_ACCESS_DENIED_HR = 0x80070005
R_ACCESS_DENIED = 'Access is denied. '
R_QUOTA_SHELLS = ('The WS-Management service cannot process the request. The maximum number of concurrent '
                  'shells for this user has been exceeded. Close existing shells or raise the quota for this '
                  'user. ')
R_SHELL_DISABLED = ('The WS-Management service cannot process the request. The service is configured to not '
                    'accept any remote shell requests. ')
R_NO_SUCH_COMMAND = ('The Windows Remote Shell received a request to perform an operation on a command '
                     'identifier that does not exist. Either the command has completed execution or the '
                     'client specified an invalid command identifier. ')


def f_no_shell(sid):
    return f_selectors('The request for the Windows Remote Shell with ShellId %s failed because the shell '
                       'was not found on the server. Possible causes are: the specified ShellId is incorrect '
                       'or the shell no longer exists on the server. Provide the correct ShellId or create a '
                       'new shell and retry the operation. ' % sid)


def f_shell_parameter(msg):
    # What the cmd shell plugin answers for a bad Receive/Send/Signal (pypsrp vectors 028, 059): Code 87.
    return f_parameter(msg, E_WIN32_INVALID_PARAMETER)


def f_shell_internal(code, reason, msg):
    return Fault('w:InternalError', reason, code, msg, None, FAULT_WSMAN, 's:Receiver')


def shell_duration(ms):
    """Milliseconds → the P0DT0H0M0S form of rsp:ShellRunTime."""
    s = int(ms // 1000)
    return 'P%dDT%dH%dM%dS' % (s // 86400, s % 86400 // 3600, s % 3600 // 60, s % 60)


def option_true(req, name):
    o = req.option(name)
    return o is not None and o.value.strip().lower() in ('true', '1')


def request_user(hc):
    """The Basic/Digest user name of the request (for rsp:Owner), '' for other schemes."""
    for name, value in hc.headers:
        if name.lower() != 'authorization':
            continue
        scheme, _, rest = value.strip().partition(' ')
        if scheme.lower() == 'basic':
            try:
                raw = base64.b64decode(rest.strip(), validate=True)
                return raw.decode('utf-8', 'replace').partition(':')[0]
            except (binascii.Error, ValueError):
                return ''
        if scheme.lower() == 'digest':
            m = re.search(r'username="((?:[^"\\]|\\.)*)"', rest)
            return m.group(1) if m else ''
    return ''


def signal_group(proc, sig):
    """Sends sig to the command's process group (its own session: start_new_session=True)."""
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class ShellCommand:
    """A running command: the process (leader of its own process group), two threads that read its stdout and
    stderr pipes as the bytes come, and the output kept in arrival order until a Receive takes it."""

    def __init__(self, cid, proc):
        self.id = cid
        self.proc = proc
        self.cond = threading.Condition()
        self.chunks = []                           # [[stream name, bytearray]] in arrival order
        self.buffered = {'stdout': 0, 'stderr': 0}
        self.eof = {'stdout': False, 'stderr': False}
        self.in_read = {'stdout': False, 'stderr': False}
        self.exit_code = None                      # set when the process has exited
        self.grace_over = False
        self.stopped = False                       # terminated or its shell deleted
        self.stdin_lock = threading.Lock()
        self.stdin_open = True
        for name, pipe in (('stdout', proc.stdout), ('stderr', proc.stderr)):
            threading.Thread(target=self.reader, args=(name, pipe), daemon=True).start()
        threading.Thread(target=self.waiter, daemon=True).start()

    def reader(self, name, pipe):
        fd = pipe.fileno()
        try:
            while True:
                with self.cond:
                    while self.buffered[name] >= SHELL_BUFFER_CAP and not self.stopped:
                        self.cond.wait()
                    if self.stopped:
                        break
                    self.in_read[name] = True
                try:
                    data = os.read(fd, SHELL_CHUNK)
                except OSError:
                    data = b''
                with self.cond:
                    self.in_read[name] = False
                    if not data:
                        break
                    if self.chunks and self.chunks[-1][0] == name:
                        self.chunks[-1][1] += data
                    else:
                        self.chunks.append([name, bytearray(data)])
                    self.buffered[name] += len(data)
                    self.cond.notify_all()
        finally:
            pipe.close()
            with self.cond:
                self.eof[name] = True
                self.cond.notify_all()

    def waiter(self):
        rc = self.proc.wait()
        with self.cond:
            # Killed by a signal: what a POSIX shell reports (128 + signal number).
            self.exit_code = rc if rc >= 0 else 128 - rc
            self.cond.notify_all()
            # The pipes reach EOF when every process that holds them has gone. A background child that keeps
            # them open must not keep the command Running for ever once the command itself has exited.
            self.cond.wait_for(lambda: all(self.eof.values()), SHELL_EOF_GRACE_S)
            self.grace_over = True
            self.cond.notify_all()

    def complete(self, desired):
        """Exited and every byte of the desired streams has been delivered (caller holds cond). Streams a
        Receive does not ask for do not hold it up; their output stays for a Receive that does."""
        if self.exit_code is None:
            return False
        for s in desired:
            if self.buffered[s]:
                return False
            if not self.eof[s] and not (self.grace_over and self.in_read[s]):
                return False
        return True

    def has_output(self, desired):
        return any(self.buffered[s] for s in desired)

    def stop(self):
        """terminate: kills the process group, stops the readers, closes stdin."""
        signal_group(self.proc, signal.SIGKILL)
        with self.cond:
            self.stopped = True
            self.cond.notify_all()
        with self.stdin_lock:
            if self.stdin_open:
                self.stdin_open = False
                try:
                    self.proc.stdin.close()
                except OSError:
                    pass


class Shell:
    def __init__(self, sid, owner, client_ip, cwd, env, idle_ms, input_streams, output_streams, codepage,
                 env_xml):
        self.id = sid
        self.owner, self.client_ip = owner, client_ip
        self.cwd, self.env, self.env_xml = cwd, env, env_xml
        self.idle_ms = idle_ms
        self.input_streams, self.output_streams = input_streams, output_streams
        self.codepage = codepage
        self.created = time.monotonic()
        self.last_used = self.created
        self.commands = {}                         # upper-case CommandId → ShellCommand

    def xml(self):
        now = time.monotonic()
        parts = ['<rsp:Shell xmlns:rsp="%s"><rsp:ShellId>%s</rsp:ShellId>'
                 '<rsp:ResourceUri>%s</rsp:ResourceUri><rsp:Owner>%s</rsp:Owner>'
                 '<rsp:ClientIP>%s</rsp:ClientIP>'
                 % (NS_RSP, self.id, SHELL_CMD_URI, esc(self.owner), esc(self.client_ip))]
        if self.cwd is not None:
            parts.append('<rsp:WorkingDirectory>%s</rsp:WorkingDirectory>' % esc(self.cwd))
        parts.append(self.env_xml)
        parts.append('<rsp:IdleTimeOut>PT%d.%03dS</rsp:IdleTimeOut><rsp:InputStreams>%s</rsp:InputStreams>'
                     '<rsp:OutputStreams>%s</rsp:OutputStreams><rsp:ShellRunTime>%s</rsp:ShellRunTime>'
                     '<rsp:ShellInactivity>%s</rsp:ShellInactivity></rsp:Shell>'
                     % (self.idle_ms // 1000, self.idle_ms % 1000, esc(' '.join(self.input_streams)),
                        esc(' '.join(self.output_streams)), shell_duration((now - self.created) * 1000),
                        shell_duration((now - self.last_used) * 1000)))
        return ''.join(parts)

    def close(self):
        for cmd in list(self.commands.values()):
            cmd.stop()
        self.commands.clear()


class ShellResource(Resource):
    """http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd, the cmd shell as WinRM serves it: Create,
    Command, Send, Receive, Signal, Delete (and Get of a shell). Commands really run here, as
    `/bin/sh -c "<Command> <Arguments…>"` (cmd.exe /c on Windows), in their own process group."""
    name = 'shell/cmd'
    known_options = SHELL_OPTIONS
    uri = SHELL_CMD_URI

    def __init__(self, app):
        Resource.__init__(self, app)
        self.lock = threading.Lock()
        self.shells = {}                           # upper-case ShellId → Shell

    def enabled(self):
        return bool(self.app.args.allow_shell) and \
            self.app.config['Winrs'].get('AllowRemoteShellAccess') == 'true'

    def check_options(self, req):
        if not self.enabled():
            raise Fault('w:AccessDenied', R_ACCESS_DENIED, E_REMOTESHELLS_NOT_ALLOWED, R_SHELL_DISABLED +
                        '(This test server runs shell commands only when it was started with --allow-shell.)')
        Resource.check_options(self, req)

    def close_all(self):
        with self.lock:
            shells = list(self.shells.values())
            self.shells.clear()
        for sh in shells:
            sh.close()

    def sweep(self, now):
        """Forgets shells idle for longer than their IdleTimeOut (caller holds lock); returns them."""
        dead = [k for k, sh in self.shells.items() if (now - sh.last_used) * 1000 > sh.idle_ms]
        return [self.shells.pop(k) for k in dead]

    def shell_of(self, req):
        sid = None
        for n, v in req.selectors:
            if n.lower() != 'shellid' or not isinstance(v, str):
                raise f_selectors('The selector %s is not a key of the shell resource %s (only ShellId is).'
                                  % (n, SHELL_CMD_URI))
            sid = v
        if sid is None:
            raise f_selectors('The request to the shell resource %s has no ShellId selector.' % SHELL_CMD_URI,
                              'InsufficientSelectors')
        key = sid.upper()
        if key.startswith('UUID:'):
            key = key[5:]
        now = time.monotonic()
        with self.lock:
            expired = self.sweep(now)
            sh = self.shells.get(key)
            if sh is not None:
                sh.last_used = now
        for old in expired:
            old.close()
        if sh is None:
            raise f_no_shell(sid)
        return sh

    @staticmethod
    def command_id(el, what):
        cid = (el.get('CommandId') or '').strip() if el is not None else ''
        if not cid:
            raise f_shell_parameter('The %s request names no CommandId; a command of the cmd shell needs one.'
                                    % what)
        return cid

    def command_of(self, sh, cid):
        with self.lock:
            cmd = sh.commands.get(cid.upper())
        if cmd is None:
            raise f_selectors(R_NO_SUCH_COMMAND + '(CommandId %s, ShellId %s)' % (cid, sh.id))
        return cmd

    # -- WS-Transfer --
    def create(self, req):
        self.no_selectors(req)
        el = req.body_elem()
        if el is None or el.tag != qn(NS_RSP, 'Shell'):
            raise f_representation('A Create of %s needs an rsp:Shell body (namespace %s); the body holds %s.'
                                   % (SHELL_CMD_URI, NS_RSP, 'nothing' if el is None else el.tag))
        inputs, outputs = ['stdin'], ['stdout', 'stderr']
        cwd, env, env_parts, idle_ms = None, {}, [], SHELL_IDLE_DEFAULT_MS
        for c in children(el):
            if c.tag == qn(NS_RSP, 'InputStreams'):
                inputs = text_of(c).split()
            elif c.tag == qn(NS_RSP, 'OutputStreams'):
                outputs = text_of(c).split()
            elif c.tag == qn(NS_RSP, 'WorkingDirectory'):
                cwd = text_of(c)
            elif c.tag == qn(NS_RSP, 'IdleTimeOut'):
                ms = parse_duration_ms(text_of(c))
                if ms is None:
                    raise f_shell_parameter('The rsp:IdleTimeOut %r is not an xs:duration.' % text_of(c))
                idle_ms = max(ms, SHELL_IDLE_MIN_MS)
            elif c.tag == qn(NS_RSP, 'Environment'):
                for v in children(c):
                    name = v.get('Name')
                    if v.tag != qn(NS_RSP, 'Variable') or not name or '=' in name or '\0' in name:
                        raise f_shell_parameter('An rsp:Environment child must be rsp:Variable with a Name '
                                                'without "=" (got %s Name=%r).' % (v.tag, name))
                    value = ''.join(v.itertext())
                    env[name] = value
                    env_parts.append('<rsp:Variable Name="%s">%s</rsp:Variable>'
                                     % (esc_attr(name), esc(value)))
        codepage = '437'
        o = req.option('WINRS_CODEPAGE')
        if o is not None:
            codepage = o.value.strip()
            if not codepage.isdigit():
                raise f_options('The option WINRS_CODEPAGE needs a code page number, not %r.' % o.value,
                                E_OPTIONS_INVALID_VALUE)
        env_xml = '<rsp:Environment>%s</rsp:Environment>' % ''.join(env_parts) if env_parts else ''
        sid = str(uuid.uuid4()).upper()
        sh = Shell(sid, request_user(req.http), req.http.client_ip, cwd, env, idle_ms, inputs, outputs,
                   codepage, env_xml)
        now = time.monotonic()
        with self.lock:
            expired = self.sweep(now)
            full = len(self.shells) >= MAX_SHELLS
            if not full:
                self.shells[sid] = sh
        for old in expired:
            old.close()
        if full:
            raise Fault('w:QuotaLimit', R_QUOTA_SHELLS, E_QUOTA_MAX_SHELLS,
                        'The WS-Management service cannot process the request. This user is allowed a '
                        'maximum number of %d concurrent shells, which has been exceeded. Close existing '
                        'shells or raise the quota for this user. ' % MAX_SHELLS)
        return ('<x:ResourceCreated><a:Address>%s</a:Address><a:ReferenceParameters><w:ResourceURI>%s'
                '</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector></w:SelectorSet>'
                '</a:ReferenceParameters></x:ResourceCreated>%s'
                % (esc(req.to or ANONYMOUS), SHELL_CMD_URI, sid, sh.xml()))

    def get(self, req):
        return self.shell_of(req).xml()

    def delete(self, req):
        sh = self.shell_of(req)
        with self.lock:
            gone = self.shells.pop(sh.id, None)
        if gone is None:
            raise f_no_shell(sh.id)
        gone.close()
        return ''

    # -- shell actions --
    def method_of(self, req):
        return {ACT_SHELL_COMMAND: 'Command', ACT_SHELL_RECEIVE: 'Receive', ACT_SHELL_SEND: 'Send',
                ACT_SHELL_SIGNAL: 'Signal'}.get(req.action)

    def invoke(self, req, method):
        sh = self.shell_of(req)
        return getattr(self, 'do_' + method.lower())(req, sh)

    def do_command(self, req, sh):
        el = req.body_elem()
        if el is None or el.tag != qn(NS_RSP, 'CommandLine'):
            raise f_representation('A Command request needs an rsp:CommandLine body (namespace %s).' % NS_RSP)
        command, args = None, []
        for c in children(el):
            # Values are trimmed: the MS-WSMV examples put them on lines of their own.
            if c.tag == qn(NS_RSP, 'Command') and command is None:
                command = ''.join(c.itertext()).strip()
            elif c.tag == qn(NS_RSP, 'Arguments'):
                args.append(''.join(c.itertext()).strip())
        if not command:
            raise f_representation('The rsp:CommandLine has no (or an empty) rsp:Command.')
        if any('\0' in a for a in [command] + args):
            raise f_shell_parameter('The command line contains a NUL character.')
        cid = (el.get('CommandId') or '').strip().upper() or str(uuid.uuid4()).upper()
        env = dict(os.environ)
        env.update(sh.env)
        cwd = sh.cwd if sh.cwd is not None else (os.environ.get('HOME') or '/')
        if option_true(req, 'WINRS_SKIP_CMD_SHELL'):
            argv = [command] + args             # run directly, like WinRM without cmd.exe
        else:
            argv = ['/bin/sh', '-c', ' '.join([command] + args)]
        with self.lock:
            if cid in sh.commands:
                raise f_shell_parameter('The shell %s already has a command with CommandId %s.'
                                        % (sh.id, cid))
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, cwd=cwd, env=env, start_new_session=True,
                                    close_fds=True)
        except NotADirectoryError:
            raise f_shell_internal(E_DIRECTORY_INVALID, 'The directory name is invalid. ',
                                   'The directory name is invalid. (WorkingDirectory %s)' % cwd)
        except FileNotFoundError as e:
            bad_dir = e.filename == cwd or not os.path.isdir(cwd)
            if bad_dir:
                raise f_shell_internal(E_DIRECTORY_INVALID, 'The directory name is invalid. ',
                                       'The directory name is invalid. (WorkingDirectory %s)' % cwd)
            raise f_shell_internal(E_FILE_NOT_FOUND, 'The system cannot find the file specified. ',
                                   'The system cannot find the file specified. (%s)' % command)
        except PermissionError as e:
            raise f_shell_internal(E_ACCESS_DENIED_HR, R_ACCESS_DENIED, 'Access is denied. (%s)' % e)
        except OSError as e:
            raise f_shell_internal(E_FAIL, 'The command could not be started. ',
                                   'The command could not be started: %s' % e)
        cmd = ShellCommand(cid, proc)
        with self.lock:
            sh.commands[cid] = cmd
            alive = self.shells.get(sh.id) is sh
        if not alive:                           # the shell was deleted meanwhile
            cmd.stop()
            raise f_no_shell(sh.id)
        return ('<rsp:CommandResponse xmlns:rsp="%s"><rsp:CommandId>%s</rsp:CommandId></rsp:CommandResponse>'
                % (NS_RSP, cid))

    def do_send(self, req, sh):
        el = req.body_elem()
        if el is None or el.tag != qn(NS_RSP, 'Send'):
            raise f_representation('A Send request needs an rsp:Send body (namespace %s).' % NS_RSP)
        streams = [c for c in children(el) if c.tag == qn(NS_RSP, 'Stream')]
        if not streams:
            raise f_shell_parameter('The rsp:Send holds no rsp:Stream.')
        for st in streams:
            name = st.get('Name')
            if name not in sh.input_streams:
                raise f_shell_parameter('The shell %s has no input stream %r (it has: %s).'
                                        % (sh.id, name, ' '.join(sh.input_streams)))
            cmd = self.command_of(sh, self.command_id(st, 'Send'))
            try:
                data = base64.b64decode(''.join(st.itertext()).strip(), validate=True)
            except (binascii.Error, ValueError):
                raise f_shell_parameter('The rsp:Stream %s of the Send is not base64.' % name)
            end = (st.get('End') or '').strip().lower() in ('true', '1')
            with cmd.stdin_lock:
                if not cmd.stdin_open:
                    if data or not end:
                        raise f_shell_parameter('The stdin of command %s was closed by an earlier Send with '
                                                'End="true".' % cmd.id)
                    continue
                try:
                    if data:
                        cmd.proc.stdin.write(data)
                        cmd.proc.stdin.flush()
                except OSError:
                    pass                        # the command has exited or closed its stdin: like a pipe
                if end:
                    cmd.stdin_open = False
                    try:
                        cmd.proc.stdin.close()
                    except OSError:
                        pass
        return '<rsp:SendResponse xmlns:rsp="%s"/>' % NS_RSP

    def receive_body(self, cid, parts, desired, done, exit_code, seq):
        out = ['<rsp:ReceiveResponse xmlns:rsp="%s"%s>' % (NS_RSP, ' SequenceId="%s"' % esc_attr(seq)
                                                          if seq is not None else '')]
        for name, data in parts:
            out.append('<rsp:Stream Name="%s" CommandId="%s">%s</rsp:Stream>'
                       % (name, cid, base64.b64encode(data).decode('ascii')))
        if done:
            for name in desired:
                out.append('<rsp:Stream Name="%s" CommandId="%s" End="true"></rsp:Stream>' % (name, cid))
            out.append('<rsp:CommandState CommandId="%s" State="%s"><rsp:ExitCode>%d</rsp:ExitCode>'
                       '</rsp:CommandState>' % (cid, STATE_DONE, exit_code))
        else:
            out.append('<rsp:CommandState CommandId="%s" State="%s"></rsp:CommandState>'
                       % (cid, STATE_RUNNING))
        out.append('</rsp:ReceiveResponse>')
        return ''.join(out)

    def do_receive(self, req, sh):
        el = req.body_elem()
        if el is None or el.tag != qn(NS_RSP, 'Receive'):
            raise f_representation('A Receive request needs an rsp:Receive body (namespace %s).' % NS_RSP)
        ds = el.find(qn(NS_RSP, 'DesiredStream'))
        cmd = self.command_of(sh, self.command_id(ds, 'Receive'))
        desired = [s for s in ('stdout', 'stderr') if s in text_of(ds).split()]
        if not desired:
            raise f_shell_parameter('The rsp:DesiredStream %r names neither stdout nor stderr.' % text_of(ds))
        seq = el.get('SequenceId')
        # Room for stream data: the envelope limit minus the reply around it (a Done reply, the longest).
        utf = 2 if req.utf16 else 1
        skeleton = render_reply(ACT_SHELL_RECEIVE + 'Response', req.message_id,
                                self.receive_body(cmd.id, [], desired, True, 4294967295, seq))
        room = req.max_env - utf * len(skeleton.encode('utf-8')) - 64
        per = utf * len('<rsp:Stream Name="stdout" CommandId="%s"></rsp:Stream>' % cmd.id)
        deadline = time.monotonic() + req.timeout_ms / 1000.0
        parts = []
        with cmd.cond:
            while not cmd.has_output(desired) and not cmd.complete(desired):
                if cmd.stopped:
                    raise f_selectors(R_NO_SUCH_COMMAND + '(CommandId %s was terminated.)' % cmd.id)
                left = deadline - time.monotonic()
                if left <= 0 or self.app.stop.is_set():
                    # Nothing within OperationTimeout: WinRM's w:TimedOut; the client polls again.
                    raise f_timedout(R_TIMEDOUT)
                cmd.cond.wait(min(left, 1.0))
            i = 0
            while i < len(cmd.chunks):
                name, data = cmd.chunks[i]
                if name not in desired:
                    i += 1
                    continue
                n = min(len(data), SHELL_CHUNK, (room - per) // (4 * utf) * 3)
                if n <= 0:
                    break
                parts.append((name, bytes(data[:n])))
                del data[:n]
                cmd.buffered[name] -= n
                room -= per + utf * 4 * ((n + 2) // 3)
                if not data:
                    del cmd.chunks[i]
            cmd.cond.notify_all()               # room in the buffers: the readers go on
            done = cmd.complete(desired)
            exit_code = cmd.exit_code
        return self.receive_body(cmd.id, parts, desired, done, exit_code, seq)

    def do_signal(self, req, sh):
        el = req.body_elem()
        if el is None or el.tag != qn(NS_RSP, 'Signal'):
            raise f_representation('A Signal request needs an rsp:Signal body (namespace %s).' % NS_RSP)
        cmd = self.command_of(sh, self.command_id(el, 'Signal'))
        code = text_of(el.find(qn(NS_RSP, 'Code')))
        low = code.lower()
        if low == SIGNAL_TERMINATE.lower():
            # terminate ends the command for good: the process group is killed and the CommandId forgotten.
            with self.lock:
                sh.commands.pop(cmd.id, None)
            cmd.stop()
        elif low in (SIGNAL_CTRL_C.lower(), SIGNAL_PS_CTRL_C):
            signal_group(cmd.proc, signal.SIGINT)
        elif low == SIGNAL_CTRL_BREAK.lower():
            signal_group(cmd.proc, signal.SIGQUIT)
        else:
            raise f_shell_parameter('The signal code %r is not one of %s, %s, %s, %s.'
                                    % (code, SIGNAL_TERMINATE, SIGNAL_CTRL_C, SIGNAL_CTRL_BREAK,
                                       SIGNAL_PS_CTRL_C))
        return '<rsp:SignalResponse xmlns:rsp="%s"/>' % NS_RSP
