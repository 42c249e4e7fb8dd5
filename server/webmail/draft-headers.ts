// Headers keeping a draft's address fields exactly as typed (even half-typed, invalid ones that
// no To header can carry), so reopening a draft from Drafts loses nothing.
export const DRAFT_FIELD_HEADERS = {
  to: 'X-Postroom-Draft-To',
  cc: 'X-Postroom-Draft-Cc',
  bcc: 'X-Postroom-Draft-Bcc',
} as const;
