import type { FieldSpec } from '@/components/ui/action-form';

/** The access-rule form, shared by the add and edit pages. */
export function ruleFields(
  defaults: {
    pattern?: string;
    scope?: string;
    action?: string;
    message?: string | null;
    note?: string | null;
  } = {},
): FieldSpec[] {
  return [
    {
      name: 'pattern',
      label: 'Pattern',
      required: true,
      defaultValue: defaults.pattern,
      placeholder: '192.0.2.0/24, spammer.example, user@host.example, 10.0.0.:allow',
      hint: 'An IP, network (CIDR or 10.1.), host or domain (a leading dot for subdomains), an address, or a pasted qmail tcp.smtp or sendmail access line.',
      preview: 'pasted-rule',
    },
    {
      name: 'scope',
      label: 'Applies to',
      type: 'select',
      defaultValue: defaults.scope ?? '',
      options: [
        { value: '', label: 'Guess from the pattern' },
        { value: 'connect', label: 'Connecting client' },
        { value: 'sender', label: 'Sender (MAIL FROM)' },
        { value: 'recipient', label: 'Recipient (RCPT TO)' },
        { value: 'any', label: 'Any of them' },
      ],
    },
    {
      name: 'action',
      label: 'Action',
      type: 'select',
      defaultValue: defaults.action ?? 'REJECT',
      options: [
        { value: 'REJECT', label: 'REJECT — refuse with 5xx' },
        { value: 'OK', label: 'OK — accept, skip later rules' },
        { value: 'RELAY', label: 'RELAY — may send anywhere' },
        { value: 'DISCARD', label: 'DISCARD — accept and drop' },
      ],
    },
    {
      name: 'message',
      label: 'Reject message (optional)',
      defaultValue: defaults.message ?? '',
      showWhen: { field: 'action', values: ['REJECT'] },
    },
    { name: 'note', label: 'Note (optional)', defaultValue: defaults.note ?? '' },
  ];
}
