// Small inline icons (no icon font, nothing loaded from elsewhere).
import type { SpecialUse } from '@/server/webmail/types';

const PATHS: Record<string, string> = {
  inbox: 'M3 13h4l2 3h6l2-3h4M5 5h14l2 8v6H3v-6z',
  sent: 'M3 11l18-8-8 18-2-8z',
  drafts: 'M4 20h4L19 9l-4-4L4 16zM14 6l4 4',
  trash: 'M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13',
  junk: 'M12 3l9 16H3zM12 10v4M12 17v.5',
  archive: 'M3 4h18v4H3zM5 8v12h14V8M10 12h4',
  folder: 'M3 6h7l2 2h9v11H3z',
  all: 'M4 6h16M4 12h16M4 18h16',
  flagged: 'M5 21V4h11l-2 4 2 4H5',
  paperclip: 'M16 7l-7 7a2 2 0 003 3l7-7a4 4 0 00-6-6l-7 7a6 6 0 008 8l6-6',
  star: 'M12 3l2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1L3.2 9.5l6.1-.9z',
  menu: 'M4 6h16M4 12h16M4 18h16',
  back: 'M15 5l-7 7 7 7',
  shield: 'M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z',
  warning: 'M12 3l9 16H3zM12 10v4M12 17v.5',
  pencil: 'M4 20h4L19 9l-4-4L4 16z',
};

export function Icon({
  name,
  className = 'h-4 w-4',
  filled = false,
  label,
}: {
  name: keyof typeof PATHS | string;
  className?: string;
  filled?: boolean;
  label?: string;
}) {
  return (
    <svg
      viewBox="0 0 24 24"
      className={className}
      fill={filled ? 'currentColor' : 'none'}
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden={label ? undefined : true}
      role={label ? 'img' : undefined}
      aria-label={label}
    >
      <path d={PATHS[name] ?? PATHS.folder} />
    </svg>
  );
}

export function folderIconName(use: SpecialUse): string {
  return use ?? 'folder';
}
