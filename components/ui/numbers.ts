// Number formatting shared by server and client components.
const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

export function formatCount(value: number | bigint): string {
  return integer.format(value);
}

export function formatBytes(value: number | bigint): string {
  let size = Number(value);
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${unit === 0 ? size : size.toFixed(size < 10 ? 1 : 0)} ${units[unit]}`;
}
