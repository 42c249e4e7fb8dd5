'use client';
// Keyboard shortcuts, Gmail-style: j/k next/previous, r reply, a reply all, f forward,
// c compose, # delete, / search. Ignored while typing in a field.
import { useEffect, useRef } from 'react';

export type Shortcut =
  | 'next'
  | 'previous'
  | 'reply'
  | 'replyAll'
  | 'forward'
  | 'compose'
  | 'delete'
  | 'search'
  | 'open'
  | 'escape';

const KEYS: Record<string, Shortcut> = {
  j: 'next',
  k: 'previous',
  r: 'reply',
  a: 'replyAll',
  f: 'forward',
  c: 'compose',
  '#': 'delete',
  '/': 'search',
  Enter: 'open',
  Escape: 'escape',
  o: 'open',
};

function typing(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  if (!element) return false;
  return element.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName);
}

export function useShortcuts(handler: (shortcut: Shortcut) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const listener = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const shortcut = KEYS[event.key];
      if (!shortcut) return;
      if (typing(event.target) && shortcut !== 'escape') return;
      event.preventDefault();
      latest.current(shortcut);
    };
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);
}
