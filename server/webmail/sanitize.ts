// HTML mail, made safe to show. sanitize-html keeps formatting tags and drops everything that can
// run or submit (script, event handlers, javascript: URLs, forms, embeds, frames, meta refresh).
// Remote images and CSS url()s are held back until the user allows them; cid: references
// (RFC 2392) point at our own authenticated route. The page shows the result in a sandboxed
// iframe (no allow-scripts) with a strict CSP as a second wall (see components/mail).
import sanitizeHtml from 'sanitize-html';

export interface SanitizeOptions {
  /** Allow http(s) images and CSS url()s. */
  allowRemote?: boolean;
  /** The URL of an inline part for a Content-ID, or null when the message has no such part. */
  cidUrl?: (contentId: string) => string | null;
}

export interface SanitizedHtml {
  html: string;
  /** True when remote content was removed (so the page can offer "show images"). */
  hasRemoteContent: boolean;
}

const ALLOWED_TAGS = [
  'a',
  'abbr',
  'address',
  'article',
  'aside',
  'b',
  'bdi',
  'bdo',
  'big',
  'blockquote',
  'br',
  'caption',
  'center',
  'cite',
  'code',
  'col',
  'colgroup',
  'dd',
  'del',
  'details',
  'dfn',
  'div',
  'dl',
  'dt',
  'em',
  'figcaption',
  'figure',
  'font',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'i',
  'img',
  'ins',
  'kbd',
  'li',
  'main',
  'mark',
  'nav',
  'ol',
  'p',
  'pre',
  'q',
  'rp',
  'rt',
  'ruby',
  's',
  'samp',
  'section',
  'small',
  'span',
  'strike',
  'strong',
  'style',
  'sub',
  'summary',
  'sup',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'time',
  'tr',
  'tt',
  'u',
  'ul',
  'var',
  'wbr',
];

const COMMON_ATTRIBUTES = [
  'style',
  'class',
  'id',
  'title',
  'dir',
  'lang',
  'align',
  'valign',
  'width',
  'height',
  'bgcolor',
  'color',
  'border',
];

const ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  '*': COMMON_ATTRIBUTES,
  a: ['href', 'name', 'target', 'rel'],
  img: ['src', 'alt', 'width', 'height', 'data-blocked-src'],
  font: ['face', 'size', 'color'],
  table: ['cellpadding', 'cellspacing', 'summary', 'frame', 'rules'],
  td: ['colspan', 'rowspan', 'nowrap', 'headers', 'scope'],
  th: ['colspan', 'rowspan', 'nowrap', 'headers', 'scope', 'abbr'],
  col: ['span'],
  colgroup: ['span'],
  ol: ['start', 'type', 'reversed'],
  ul: ['type'],
  li: ['value', 'type'],
  time: ['datetime'],
  blockquote: ['cite', 'type'],
  q: ['cite'],
  details: ['open'],
};

const REMOTE_URL = /^\s*(https?:)?\/\//i;
const CSS_URL = /url\(\s*(['"]?)(.*?)\1\s*\)/gi;
// Old-IE and Gecko ways to run code or pull in more content from CSS.
const CSS_DANGER =
  /(expression\s*\(|behavior\s*:|-moz-binding|javascript:|vbscript:|@import[^;]*;?|@charset[^;]*;?)/gi;

/** Cleans one CSS text (a style attribute or a <style> block); records remote url()s. */
export function sanitizeCss(css: string, options: SanitizeOptions, found: { remote: boolean }): string {
  // Escapes would let "\75 rl(" spell url( after our check: decode them first (CSS Syntax 4.3.7).
  let cleaned = css
    .replace(/\\([0-9a-f]{1,6})\s?/gi, (_escape, hex: string) => {
      const code = parseInt(hex, 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    })
    .replace(/\\(.)/g, '$1')
    .replace(/\\/g, '')
    .replace(/<\/?\s*[a-z!]/gi, '');
  // Repeat: removing one match may join its neighbours into a new one ("expr" + "ession(").
  for (let previous = ''; previous !== cleaned; ) {
    previous = cleaned;
    cleaned = cleaned.replace(CSS_DANGER, '');
  }
  cleaned = cleaned.replace(CSS_URL, (_match, _quote: string, url: string) => {
    const target = url.trim();
    if (/^cid:/i.test(target)) {
      const local = options.cidUrl?.(decodeCid(target));
      return local ? `url('${local}')` : 'none';
    }
    if (/^data:image\//i.test(target)) return `url('${target.replace(/['"\\()]/g, '')}')`;
    if (REMOTE_URL.test(target)) {
      found.remote = true;
      return options.allowRemote ? `url('${target.replace(/['"\\()]/g, '')}')` : 'none';
    }
    return 'none';
  });
  return cleaned;
}

function decodeCid(url: string): string {
  const raw = url.replace(/^cid:/i, '');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function sanitizeMailHtml(dirty: string, options: SanitizeOptions = {}): SanitizedHtml {
  const found = { remote: false };
  const withStyle = (attribs: sanitizeHtml.Attributes): sanitizeHtml.Attributes => {
    if (attribs.style === undefined) return attribs;
    const style = sanitizeCss(attribs.style, options, found);
    const copy = { ...attribs };
    if (style.trim()) copy.style = style;
    else delete copy.style;
    return copy;
  };
  const html = sanitizeHtml(dirty, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: ALLOWED_ATTRIBUTES,
    allowVulnerableTags: true, // <style> only; its text is cleaned below and CSP forbids scripts
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['http', 'https', 'data'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    // Content of these is dropped with the tag (not shown as text).
    nonTextTags: [
      'script',
      'style',
      'textarea',
      'option',
      'noscript',
      'title',
      'head',
      'template',
      'iframe',
      'object',
      'xmp',
      'noembed',
      'noframes',
      'svg',
      'math',
    ],
    transformTags: {
      '*': (tagName, attribs) => ({ tagName, attribs: withStyle(attribs) }),
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...withStyle(attribs), target: '_blank', rel: 'noopener noreferrer nofollow' },
      }),
      img: (tagName, attribs) => {
        const next = withStyle(attribs);
        const src = (next.src ?? '').trim();
        delete next['data-blocked-src'];
        if (/^cid:/i.test(src)) {
          const local = options.cidUrl?.(decodeCid(src));
          if (local) next.src = local;
          else delete next.src;
        } else if (REMOTE_URL.test(src)) {
          found.remote = true;
          if (!options.allowRemote) {
            delete next.src;
            next['data-blocked-src'] = src.slice(0, 2048);
          }
        } else if (!/^data:image\/(png|gif|jpe?g|webp|bmp);/i.test(src)) {
          delete next.src;
        }
        return { tagName, attribs: next };
      },
    },
  });
  // sanitize-html passes <style> text through untouched (htmlparser2 ends it at the first
  // </style>), so clean its CSS here.
  const cleaned = html.replace(
    /(<style[^>]*>)([\s\S]*?)(<\/style>)/gi,
    (_match, open: string, css: string, close: string) =>
      `${open}${sanitizeCss(css, options, found)}${close}`,
  );
  return { html: cleaned, hasRemoteContent: found.remote };
}
