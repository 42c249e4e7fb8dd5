// The rule builder's model: what the webmail's Filters page edits. It is written out as Sieve
// (generate.ts) with each block's model in a structured comment, so the builder reads back
// exactly what it wrote (parse.ts), as Roundcube's managesieve plugin does.

export const CONDITION_FIELDS = ['from', 'to', 'subject', 'listid', 'size'] as const;
export type ConditionField = (typeof CONDITION_FIELDS)[number];

export const TEXT_MATCHES = ['contains', 'notcontains', 'is', 'isnot'] as const;
export type TextMatch = (typeof TEXT_MATCHES)[number];
export const SIZE_MATCHES = ['over', 'under'] as const;
export type SizeMatch = (typeof SIZE_MATCHES)[number];

export type RuleCondition =
  | { field: Exclude<ConditionField, 'size'>; match: TextMatch; value: string }
  /** `value` like "500K", "2M" or a byte count. */
  | { field: 'size'; match: SizeMatch; value: string };

export type RuleAction =
  | { type: 'move'; folder: string }
  | { type: 'markRead' }
  | { type: 'flag' }
  | { type: 'forward'; address: string; keepCopy: boolean }
  | { type: 'delete' };
export const ACTION_TYPES = ['move', 'markRead', 'flag', 'forward', 'delete'] as const;

export interface FilterRule {
  name: string;
  enabled: boolean;
  /** allof (every condition) or anyof (at least one). */
  match: 'all' | 'any';
  conditions: RuleCondition[];
  actions: RuleAction[];
  /** Whether later rules are skipped once this one matched. */
  stop: boolean;
}

export interface VacationSettings {
  enabled: boolean;
  /** Inclusive dates as YYYY-MM-DD, in the server's time zone (Sieve's currentdate); '' = open. */
  start: string;
  end: string;
  subject: string;
  text: string;
  /** At most one reply per sender in this many days (RFC 5230 :days). */
  days: number;
}

export interface FilterSet {
  rules: FilterRule[];
  vacation: VacationSettings;
}

export const EMPTY_VACATION: VacationSettings = {
  enabled: false,
  start: '',
  end: '',
  subject: '',
  text: '',
  days: 7,
};

export const EMPTY_FILTER_SET: FilterSet = { rules: [], vacation: EMPTY_VACATION };

export const LIMITS = {
  rules: 100,
  conditions: 20,
  actions: 10,
  name: 100,
  value: 500,
  folder: 512,
  subject: 200,
  text: 10_000,
  maxDays: 365,
} as const;
