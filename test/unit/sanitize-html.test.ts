import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from 'htmlparser2';
import type { ChildNode, Element } from 'domhandler';
import { sanitizeMailHtml, sanitizeCss } from '../../server/webmail/sanitize';
import { frameDocument, escapeHtml } from '../../server/webmail/frame';
import { HTML_VECTORS, HEADER_VECTORS, FORBIDDEN_TAGS } from './sanitize-corpus';

function elements(html: string): Element[] {
  const found: Element[] = [];
  const walk = (nodes: ChildNode[]) => {
    for (const node of nodes) {
      if (node.type === 'tag' || node.type === 'script' || node.type === 'style') {
        found.push(node as Element);
        walk((node as Element).children);
      }
    }
  };
  walk(parseDocument(html).children);
  return found;
}

function problems(html: string): string[] {
  const issues: string[] = [];
  for (const element of elements(html)) {
    if (FORBIDDEN_TAGS.includes(element.name.toLowerCase())) issues.push(`tag <${element.name}>`);
    for (const [name, value] of Object.entries(element.attribs)) {
      if (/^on/i.test(name)) issues.push(`handler ${name}`);
      if (
        ['srcdoc', 'formaction', 'background', 'xlink:href', 'action', 'dynsrc', 'lowsrc'].includes(
          name.toLowerCase(),
        )
      )
        issues.push(`attribute ${name}`);
      if (
        ['href', 'src', 'cite'].includes(name) &&
        /^\s*(javascript|vbscript|data:(?!image\/(png|gif|jpe?g|webp|bmp);))/i.test(value)
      )
        issues.push(`${name}=${value}`);
      if (
        name === 'style' &&
        /(expression|javascript|behavior|binding|@import|url\((?!'\/api\/mail))/i.test(value)
      )
        issues.push(`style=${value}`);
    }
    if (element.name === 'style') {
      const css = element.children.map((child) => ('data' in child ? child.data : '')).join('');
      if (/(expression|javascript|behavior|@import|<)/i.test(css)) issues.push(`style block ${css}`);
    }
  }
  if (/<script/i.test(html)) issues.push('literal <script');
  return issues;
}

test('every HTML vector in the corpus comes out harmless', () => {
  for (const vector of HTML_VECTORS) {
    const { html } = sanitizeMailHtml(vector);
    assert.deepEqual(problems(html), [], `vector: ${vector}\noutput: ${html}`);
  }
});

test('header vectors are harmless as HTML too (they are also shown as text)', () => {
  for (const vector of HEADER_VECTORS) assert.deepEqual(problems(sanitizeMailHtml(vector).html), [], vector);
});

test('the problem finder itself catches what it should', () => {
  assert.notDeepEqual(problems('<img src=x onerror=alert(1)>'), []);
  assert.notDeepEqual(problems('<a href="javascript:alert(1)">x</a>'), []);
  assert.notDeepEqual(problems('<div style="width:expression(alert(1))">'), []);
});

test('formatting survives: tables, links, inline styles, lists', () => {
  const input =
    '<table cellpadding="4"><tr><td style="color: red; font-weight: bold">Hi</td></tr></table><p><a href="https://example.com/x">link</a></p><ul><li>one</li></ul>';
  const { html, hasRemoteContent } = sanitizeMailHtml(input);
  assert.match(html, /<table cellpadding="4">/);
  assert.match(html, /style="color:red;font-weight:bold"|style="color: red; font-weight: bold"/);
  assert.match(
    html,
    /<a href="https:\/\/example.com\/x" target="_blank" rel="noopener noreferrer nofollow">link<\/a>/,
  );
  assert.match(html, /<li>one<\/li>/);
  assert.equal(hasRemoteContent, false);
});

test('remote images are held back until allowed, and reported', () => {
  const input =
    '<img src="https://tracker.test/p.gif" alt="t"><div style="background:url(https://tracker.test/bg.png)">x</div><style>p{background:url("http://tracker.test/s.png")}</style>';
  const blocked = sanitizeMailHtml(input);
  assert.equal(blocked.hasRemoteContent, true);
  assert.doesNotMatch(blocked.html, /tracker\.test\/(bg|s)\.png/);
  assert.doesNotMatch(blocked.html, /(?<!-)src="https:/);
  assert.match(blocked.html, /data-blocked-src="https:\/\/tracker.test\/p.gif"/);
  const allowed = sanitizeMailHtml(input, { allowRemote: true });
  assert.match(allowed.html, /<img src="https:\/\/tracker.test\/p.gif"/);
  assert.match(allowed.html, /url\('https:\/\/tracker.test\/bg.png'\)/);
  assert.match(allowed.html, /url\('http:\/\/tracker.test\/s.png'\)/);
});

test('cid: images point at our own route; unknown cids are dropped', () => {
  const input =
    '<img src="cid:logo@x"><img src="cid:missing@x"><div style="background:url(cid:logo@x)">x</div>';
  const { html } = sanitizeMailHtml(input, {
    cidUrl: (cid) => (cid === 'logo@x' ? '/api/mail/part?cid=logo%40x' : null),
  });
  assert.match(
    html,
    /<img src="\/api\/mail\/part\?cid=logo%40x" \/>|<img src="\/api\/mail\/part\?cid=logo%40x">/,
  );
  assert.equal((html.match(/<img/g) ?? []).length, 2);
  assert.equal((html.match(/src=/g) ?? []).length, 1);
  assert.match(html, /url\('\/api\/mail\/part\?cid=logo%40x'\)/);
});

test('CSS escapes cannot spell url( or expression( past the filter', () => {
  const found = { remote: false };
  const css = sanitizeCss(
    'background: \\75 rl(https://x.test/a.png); width: e\\78 pression(alert(1)); height: exexpression(pression(1)',
    {},
    found,
  );
  assert.doesNotMatch(css, /https:|expression/i);
  assert.equal(found.remote, true);
});

test('the frame document carries a CSP that forbids scripts, forms and (by default) remote images', () => {
  const doc = frameDocument('<p>hi</p>', { origin: 'https://mail.example', allowRemote: false });
  assert.match(doc, /script-src 'none'/);
  assert.match(doc, /form-action 'none'/);
  assert.match(doc, /img-src https:\/\/mail.example data:;/);
  assert.match(
    frameDocument('', { origin: 'https://mail.example', allowRemote: true }),
    /img-src https:\/\/mail.example data: https: http:/,
  );
  assert.equal(escapeHtml('<b a="1">&\''), '&lt;b a=&quot;1&quot;&gt;&amp;&#39;');
});
