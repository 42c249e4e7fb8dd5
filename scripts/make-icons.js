// Draws Postroom's icon (a white envelope on the console's blue) and writes public/favicon.ico
// (16, 32 and 48 px PNGs inside), apple-touch-icon.png (180) and icon-192/512.png. No image
// library: a tiny rasteriser and PNG encoder. Run after changing the drawing:
//   node scripts/make-icons.js
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public');
const BLUE = [37, 99, 235];
const WHITE = [255, 255, 255];

/** Coverage of one pixel by the drawing, sampled 4x4, as [r, g, b, a]. */
function pixel(x, y, size) {
  let bg = 0;
  let fg = 0;
  for (let sy = 0; sy < 4; sy++) {
    for (let sx = 0; sx < 4; sx++) {
      const u = (x + (sx + 0.5) / 4) / size;
      const v = (y + (sy + 0.5) / 4) / size;
      if (!insideRoundedSquare(u, v)) continue;
      bg++;
      if (onEnvelope(u, v)) fg++;
    }
  }
  const a = bg / 16;
  const t = bg ? fg / bg : 0;
  const mix = (i) => Math.round(BLUE[i] * (1 - t) + WHITE[i] * t);
  return [mix(0), mix(1), mix(2), Math.round(a * 255)];
}

function insideRoundedSquare(u, v) {
  const r = 0.2;
  const dx = Math.max(r - u, 0, u - (1 - r));
  const dy = Math.max(r - v, 0, v - (1 - r));
  return dx * dx + dy * dy <= r * r;
}

/** The envelope: a white rectangle outline with the flap's V, lines 0.07 wide. */
function onEnvelope(u, v) {
  const [left, right, top, bottom, w] = [0.2, 0.8, 0.3, 0.72, 0.07];
  if (u < left || u > right || v < top || v > bottom) return false;
  const border = u < left + w || u > right - w || v < top + w || v > bottom - w;
  // The flap: from the top corners down to the middle at 60% of the height.
  const mid = (left + right) / 2;
  const depth = top + (bottom - top) * 0.6;
  const flapV = top + (Math.abs(u - mid) / (mid - left)) * (top - depth) + (depth - top);
  return border || Math.abs(v - flapV) < w * 0.75;
}

function png(size) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) Buffer.from(pixel(x, y, size)).copy(row, 1 + x * 4);
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(bytes) {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** An ICO file whose entries are PNG images (read by every browser since 2009). */
function ico(sizes) {
  const images = sizes.map(png);
  const head = Buffer.alloc(6 + 16 * sizes.length);
  head.writeUInt16LE(1, 2);
  head.writeUInt16LE(sizes.length, 4);
  let offset = head.length;
  sizes.forEach((size, i) => {
    const entry = 6 + 16 * i;
    head[entry] = size % 256;
    head[entry + 1] = size % 256;
    head.writeUInt16LE(1, entry + 4);
    head.writeUInt16LE(32, entry + 6);
    head.writeUInt32LE(images[i].length, entry + 8);
    head.writeUInt32LE(offset, entry + 12);
    offset += images[i].length;
  });
  return Buffer.concat([head, ...images]);
}

writeFileSync(join(out, 'favicon.ico'), ico([16, 32, 48]));
writeFileSync(join(out, 'apple-touch-icon.png'), png(180));
writeFileSync(join(out, 'icon-192.png'), png(192));
writeFileSync(join(out, 'icon-512.png'), png(512));
console.log('wrote public/favicon.ico, apple-touch-icon.png, icon-192.png, icon-512.png');
