// Time of parseMessage (runs for every delivered message) and of BODYSTRUCTURE formatting, on a
// ~10 KB multipart message and a ~1 MB one with a large attachment; and what FETCH 1:* ENVELOPE
// costs per 10,000 messages from the cached JSON. Usage: npx tsx bench/mime-parse.ts
import { parseMessage } from '../server/mime/parse';
import { formatBodyStructure, formatEnvelope } from '../server/mime/imap-format';

function message(attachmentBytes: number): Buffer {
  const text = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n'.repeat(
    60,
  );
  const attachment = Buffer.alloc(attachmentBytes, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    'From: "Sender Name" <sender@example.test>\r\nTo: a@example.test, "B, C" <b@example.test>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= bench\r\n' +
      'Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <bench@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n' +
      '--outer\r\nContent-Type: multipart/alternative; boundary="alt"\r\n\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n' +
      text +
      '\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>' +
      text +
      '</p>\r\n--alt--\r\n' +
      '--outer\r\nContent-Type: application/octet-stream; name="a.bin"\r\nContent-Disposition: attachment; filename="a.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
      attachment +
      '\r\n--outer--\r\n',
  );
}

function time(label: string, raw: Buffer, rounds: number): void {
  for (let i = 0; i < 200; i++) parseMessage(raw); // warm up
  let start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) parseMessage(raw);
  const parseUs = Number(process.hrtime.bigint() - start) / rounds / 1000;
  const parsed = parseMessage(raw);
  start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++)
    formatBodyStructure(parsed.bodyStructure, true) + formatEnvelope(parsed.envelope);
  const formatUs = Number(process.hrtime.bigint() - start) / rounds / 1000;
  console.log(
    `${label} (${(raw.length / 1024).toFixed(1)} KiB): parseMessage ${parseUs.toFixed(1)} µs, BODYSTRUCTURE+ENVELOPE ${formatUs.toFixed(1)} µs`,
  );
}

time('10 KB multipart', message(900), 5000);
time('1 MB attachment', message(750_000), 200);

{
  const parsed = parseMessage(message(900));
  const json = JSON.stringify(parsed.envelope);
  for (let i = 0; i < 2000; i++) formatEnvelope(JSON.parse(json) as typeof parsed.envelope);
  const start = process.hrtime.bigint();
  for (let i = 0; i < 10_000; i++) formatEnvelope(JSON.parse(json) as typeof parsed.envelope);
  console.log(
    `10,000 cached envelopes: JSON.parse + formatEnvelope ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(1)} ms`,
  );
}
