// POP3 framing without sockets: byte-stuffing (RFC 1939 section 3), TOP, and the line splitter's
// length limit and STLS reset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { multiLineBody, topOfMessage } from '../../server/pop3/wire';
import { LineSplitter } from '../../server/pop3/lines';

test('lines starting with "." are stuffed; bare LF becomes CRLF; a terminator is added', () => {
  assert.equal(
    multiLineBody(Buffer.from('a\r\n.b\r\n.\r\n..c\r\nend\r\n')).toString(),
    'a\r\n..b\r\n..\r\n...c\r\nend\r\n.\r\n',
  );
  assert.equal(multiLineBody(Buffer.from('x\n.y\nno break')).toString(), 'x\r\n..y\r\nno break\r\n.\r\n');
  assert.equal(multiLineBody(Buffer.alloc(0)).toString(), '.\r\n');
  // Clean CRLF content goes out unchanged behind the status line; a missing final CRLF is added.
  assert.equal(
    multiLineBody(Buffer.from('a\r\nb.\r\nc'), '+OK 9 octets').toString(),
    '+OK 9 octets\r\na\r\nb.\r\nc\r\n.\r\n',
  );
  assert.equal(multiLineBody(Buffer.from('a\r\n.b\r\n'), '+OK').toString(), '+OK\r\na\r\n..b\r\n.\r\n');
});

test('TOP: header, blank line and the first n body lines', () => {
  const raw = Buffer.from('Subject: x\r\n\r\none\r\ntwo\r\nthree');
  assert.equal(topOfMessage(raw, 14, 0).toString(), 'Subject: x\r\n\r\n');
  assert.equal(topOfMessage(raw, 14, 2).toString(), 'Subject: x\r\n\r\none\r\ntwo\r\n');
  assert.equal(topOfMessage(raw, 14, 99).toString(), raw.toString());
});

test('line splitter: CRLF and LF lines, split chunks, over-long lines reported once', () => {
  const splitter = new LineSplitter(16);
  assert.deepEqual(splitter.push(Buffer.from('STAT\r\nLI')), [{ kind: 'line', line: 'STAT' }]);
  assert.deepEqual(splitter.push(Buffer.from('ST 1\n')), [{ kind: 'line', line: 'LIST 1' }]);
  const events = splitter.push(Buffer.from(`${'x'.repeat(40)}${'y'.repeat(40)}\r\nNOOP\r\n`));
  assert.deepEqual(events, [{ kind: 'too-long' }, { kind: 'line', line: 'NOOP' }]);
  splitter.push(Buffer.from('USER pending'));
  splitter.reset();
  assert.deepEqual(splitter.push(Buffer.from('CAPA\r\n')), [{ kind: 'line', line: 'CAPA' }]);
});
