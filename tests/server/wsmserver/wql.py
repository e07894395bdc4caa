# SPDX-License-Identifier: MIT
"""A WQL parser and evaluator (SELECT … FROM … WHERE …)."""

import re

from .store import CLASSES, Ref


class WqlError(Exception):
    pass


_WQL_TOKEN = re.compile(r"""\s*(?:(?P<num>-?\d+(?:\.\d+)?)(?![A-Za-z_])|(?P<id>[A-Za-z_][A-Za-z0-9_]*)|"""
                        r"""(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?P<op><>|!=|<=|>=|=|<|>)|"""
                        r"""(?P<punct>[(),*]))""")


def wql_tokens(text):
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _WQL_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise WqlError('unexpected character %r at offset %d' % (text[pos:pos + 1], pos))
        pos = m.end()
        kind = m.lastgroup
        val = m.group(kind)
        if kind == 'str':
            val = re.sub(r'\\(.)', r'\1', val[1:-1])
        out.append((kind, val))
    return out


def _cmp(op, a, b):
    if op == '=':
        return a == b
    if op in ('<>', '!='):
        return a != b
    if op == '<':
        return a < b
    if op == '>':
        return a > b
    if op == '<=':
        return a <= b
    return a >= b


class WqlQuery:
    """SELECT * | p[,p…] FROM Class [WHERE cond]; cond with = != <> < > <= >= LIKE, IS [NOT] NULL, AND, OR,
    NOT, parentheses. Keywords and property names are case-insensitive; so are string comparisons."""

    def __init__(self, text):
        self.toks = wql_tokens(text)
        self.pos = 0
        self.parse()

    def peek(self, k=0):
        i = self.pos + k
        return self.toks[i] if i < len(self.toks) else (None, None)

    def next(self):
        t = self.peek()
        if t[0] is None:
            raise WqlError('unexpected end of query')
        self.pos += 1
        return t

    def is_kw(self, word, k=0):
        t = self.peek(k)
        return t[0] == 'id' and t[1].upper() == word

    def expect_kw(self, word):
        t = self.next()
        if t[0] != 'id' or t[1].upper() != word:
            raise WqlError('expected %s, found %r' % (word, t[1]))

    def parse(self):
        self.expect_kw('SELECT')
        self.select = None
        if self.peek() == ('punct', '*'):
            self.next()
        else:
            names = []
            while True:
                t = self.next()
                if t[0] != 'id' or t[1].upper() in ('FROM', 'WHERE'):
                    raise WqlError('expected a property name, found %r' % t[1])
                names.append(t[1])
                if self.peek() == ('punct', ','):
                    self.next()
                    continue
                break
            self.select = names
        self.expect_kw('FROM')
        t = self.next()
        if t[0] != 'id':
            raise WqlError('expected a class name after FROM, found %r' % t[1])
        self.cls = CLASSES.get(t[1].lower())
        if self.cls is None:
            raise WqlError('the class %s does not exist in the namespace root/cimv2' % t[1])
        self.only = None
        if self.select is not None:
            self.only = set()
            for n in self.select:
                self.only.add(self.prop(n))
        self.where = None
        if self.peek()[0] is not None:
            self.expect_kw('WHERE')
            self.where = self.expr()
            if self.peek()[0] is not None:
                raise WqlError('unexpected %r after the WHERE clause' % self.peek()[1])

    def prop(self, name):
        p = self.cls.prop_map.get(name.lower())
        if p is None:
            raise WqlError('the class %s has no property %s' % (self.cls.name, name))
        return p

    def expr(self):
        left = self.term()
        while self.is_kw('OR'):
            self.next()
            right = self.term()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def term(self):
        left = self.factor()
        while self.is_kw('AND'):
            self.next()
            right = self.factor()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def factor(self):
        if self.is_kw('NOT'):
            self.next()
            inner = self.factor()
            return lambda r: not inner(r)
        if self.peek() == ('punct', '('):
            self.next()
            e = self.expr()
            if self.next() != ('punct', ')'):
                raise WqlError('missing )')
            return e
        return self.comparison()

    def literal(self):
        t = self.next()
        if t[0] == 'str':
            return ('str', t[1])
        if t[0] == 'num':
            return ('num', float(t[1]))
        if t[0] == 'id' and t[1].upper() in ('TRUE', 'FALSE'):
            return ('bool', t[1].upper() == 'TRUE')
        if t[0] == 'id' and t[1].upper() == 'NULL':
            return ('null', None)
        raise WqlError('expected a value, found %r' % t[1])

    def comparison(self):
        t = self.peek()
        if t[0] == 'id' and t[1].upper() not in ('TRUE', 'FALSE', 'NULL'):
            self.next()
            pn = self.prop(t[1])
            if self.is_kw('IS'):
                self.next()
                neg = False
                if self.is_kw('NOT'):
                    self.next()
                    neg = True
                self.expect_kw('NULL')
                return (lambda r: r.get(pn) is not None) if neg else (lambda r: r.get(pn) is None)
            if self.is_kw('LIKE'):
                self.next()
                lit = self.literal()
                if lit[0] != 'str':
                    raise WqlError('LIKE needs a string pattern')
                rx = re.compile(''.join('.*' if c == '%' else '.' if c == '_' else re.escape(c)
                                        for c in lit[1]),
                                re.I | re.S)
                return lambda r: r.get(pn) is not None and rx.fullmatch(str(r.get(pn))) is not None
            op = self.next()
            if op[0] != 'op':
                raise WqlError('expected a comparison operator after %s, found %r' % (t[1], op[1]))
            return self.make_cmp(pn, op[1], self.literal())
        lit = self.literal()
        op = self.next()
        if op[0] != 'op':
            raise WqlError('expected a comparison operator, found %r' % op[1])
        t = self.next()
        if t[0] != 'id':
            raise WqlError('expected a property name, found %r' % t[1])
        swap = {'<': '>', '>': '<', '<=': '>=', '>=': '<='}
        return self.make_cmp(self.prop(t[1]), swap.get(op[1], op[1]), lit)

    @staticmethod
    def make_cmp(pn, op, lit):
        kind, val = lit
        if kind == 'null':
            return lambda r: False      # SQL semantics: comparisons with NULL are never true
        if kind == 'num':
            def f(r):
                v = r.get(pn)
                if v is None or isinstance(v, Ref):
                    return False
                try:
                    return _cmp(op, float(v), val)
                except ValueError:
                    return False
            return f
        if kind == 'bool':
            want = 'true' if val else 'false'
            return lambda r: r.get(pn) is not None and _cmp(op, str(r.get(pn)).lower(), want)
        low = val.casefold()

        def g(r):
            v = r.get(pn)
            if v is None:
                return False
            return _cmp(op, str(v).casefold(), low)
        return g
