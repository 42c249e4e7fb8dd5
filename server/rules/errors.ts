// Refusals with a meaning of their own: ManageSieve answers them with a response code (RFC 5804
// section 1.3: ACTIVE, ALREADYEXISTS, QUOTA/MAXSCRIPTS, QUOTA/MAXSIZE); the console shows the text.
import { FieldError } from '../domain/errors';

export class ActiveScriptError extends FieldError {
  constructor() {
    super('name', 'the active script cannot be deleted; activate another one (or none) first');
    this.name = 'ActiveScriptError';
  }
}

export class ScriptExistsError extends FieldError {
  constructor(name: string) {
    super('name', `a script named "${name}" already exists`);
    this.name = 'ScriptExistsError';
  }
}

export class ScriptQuotaError extends FieldError {
  constructor(
    readonly limit: 'maxscripts' | 'maxsize',
    message: string,
  ) {
    super(limit === 'maxsize' ? 'source' : 'name', message);
    this.name = 'ScriptQuotaError';
  }
}
