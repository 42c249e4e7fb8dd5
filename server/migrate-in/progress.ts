// A progress line on stderr for long imports: messages, bytes, rate and time left. On a terminal
// it redraws in place; otherwise (a log, a pipe) it prints a line every few seconds.
function formatBytes(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit && value < 10 ? 1 : 0)}${units[unit]}`;
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export class Progress {
  private readonly started = Date.now();
  private lastDraw = 0;
  totalMessages = 0;
  totalBytes = 0;
  messages = 0;
  bytes = 0;
  /** Source folders found and finished (the IMAP import counts them; the console shows them). */
  totalFolders = 0;
  folders = 0;

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  line(): string {
    const elapsed = (Date.now() - this.started) / 1000;
    const rate = elapsed > 0 ? this.messages / elapsed : 0;
    const share =
      this.totalBytes > 0
        ? this.bytes / this.totalBytes
        : this.totalMessages
          ? this.messages / this.totalMessages
          : 0;
    const width = 20;
    const filled = Math.min(width, Math.round(share * width));
    const left = share > 0 ? (elapsed / share) * (1 - share) : Number.NaN;
    return `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.messages}/${this.totalMessages} messages, ${formatBytes(this.bytes)}/${formatBytes(this.totalBytes)}, ${rate.toFixed(0)} msg/s, ${formatSeconds(left)} left`;
  }

  update(force = false): void {
    const now = Date.now();
    const every = this.out.isTTY ? 200 : 5000;
    if (!force && now - this.lastDraw < every) return;
    this.lastDraw = now;
    if (this.out.isTTY) this.out.write(`\r\x1b[K${this.line()}`);
    else this.out.write(`${this.line()}\n`);
  }

  done(): void {
    this.update(true);
    if (this.out.isTTY) this.out.write('\n');
  }
}
