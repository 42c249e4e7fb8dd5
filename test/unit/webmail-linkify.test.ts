// Plain-text links in the reader: only http, https and mailto become links; punctuation around a
// link stays text; javascript:, data: and look-alikes never do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkify, safeHref } from '../../components/mail/linkify';

const links = (text: string) =>
  linkify(text)
    .filter((piece) => piece.kind === 'link')
    .map((piece) => (piece.kind === 'link' ? [piece.text, piece.href] : []));

test('http, https, www and mailto become links; the text around them is kept whole', () => {
  const text =
    'See https://example.org/a?b=1#c, or www.example.net. Mail mailto:ann@example.org or bob@example.com!';
  assert.deepEqual(links(text), [
    ['https://example.org/a?b=1#c', 'https://example.org/a?b=1#c'],
    ['www.example.net', 'https://www.example.net/'],
    ['mailto:ann@example.org', 'mailto:ann@example.org'],
    ['bob@example.com', 'mailto:bob@example.com'],
  ]);
  assert.equal(
    linkify(text)
      .map((piece) => piece.text)
      .join(''),
    text,
  );
});

test('a closing parenthesis belongs to the link only when it balances one inside it', () => {
  assert.deepEqual(links('(see http://example.org/x)'), [['http://example.org/x', 'http://example.org/x']]);
  assert.deepEqual(links('http://en.wikipedia.org/wiki/Walrus_(disambiguation).'), [
    [
      'http://en.wikipedia.org/wiki/Walrus_(disambiguation)',
      'http://en.wikipedia.org/wiki/Walrus_(disambiguation)',
    ],
  ]);
});

test('no other scheme becomes a link', () => {
  for (const text of [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(document.cookie)',
    'data:text/html;base64,PHNjcmlwdD4=',
    'vbscript:msgbox',
    'file:///etc/passwd',
    'java\tscript:alert(1)',
  ])
    assert.deepEqual(links(text), [], text);
  // A link text that merely contains "javascript:" is still an https link to that host.
  assert.deepEqual(links('https://example.org/javascript:alert(1)'), [
    ['https://example.org/javascript:alert(1)', 'https://example.org/javascript:alert(1)'],
  ]);
  for (const href of ['javascript:alert(1)', ' javascript:alert(1)', 'data:text/html,x', 'http:alert(1)'])
    assert.equal(safeHref(href), null, href);
});

test('quotes and angle brackets end a link, so it cannot break out of an attribute', () => {
  assert.deepEqual(links('<https://example.org/"onmouseover=alert(1)>'), [
    ['https://example.org/', 'https://example.org/'],
  ]);
});
