// A problem with what the caller asked for, tied to the field that caused it. The CLI prints it
// and exits 2, the console shows it beside the form field, protocols never see one.
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'FieldError';
  }
}

/** Several fields wrong at once, each with its own message, so a form can mark them all. */
export class FieldErrors extends FieldError {
  constructor(readonly fields: Record<string, string>) {
    const [first] = Object.keys(fields);
    super(first ?? 'form', '');
    // "maxRecipients: must be ...; dnsblZones: ..." for the CLI and logs, every field named once.
    this.message = Object.entries(fields)
      .map(([name, message]) => `${name}: ${message}`)
      .join('; ');
    this.name = 'FieldErrors';
  }
}

export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

export class ForbiddenError extends Error {
  constructor(
    message = 'not allowed',
    /** Who was refused, when known: the console writes the refusal to the audit log. */
    readonly refused?: { actor: string; role: string },
  ) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** True for a unique-constraint violation from either database. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    (error as { code: unknown }).code === 'P2002'
  );
}
